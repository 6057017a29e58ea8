package main

import (
	"context"
	"database/sql"
	"strings"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the embedded database, read directly
)

// countCases counts the cases this run filed: their intake ids carry the run's message
// ids.
func countCases(ctx context.Context, databaseURL, run string) (int64, error) {
	pattern := "%/SM" + run + "%"
	if path, ok := strings.CutPrefix(databaseURL, "sqlite:"); ok {
		db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			return 0, err
		}
		defer db.Close()
		var n int64
		err = db.QueryRowContext(ctx, `SELECT count(*) FROM cases WHERE intake_id LIKE ?`, pattern).Scan(&n)
		return n, err
	}
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, `SELECT count(*) FROM cases WHERE intake_id LIKE $1`, pattern).Scan(&n)
	return n, err
}
