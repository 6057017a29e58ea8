package whatsapp

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"go.mau.fi/whatsmeow/store/sqlstore"
	waLog "go.mau.fi/whatsmeow/util/log"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// OpenDevices opens the linked device's keys and WhatsApp's session state, kept in
// whatsmeow's own tables (whatsmeow_*, with whatsmeow's own migrations), and brings
// them up to date. dbURL is a PostgreSQL URL (the case database: the tables sit next to
// ours) or "sqlite:PATH" (a file of their own). Losing the tables unlinks the number,
// so they belong on the same backed-up storage as the cases. SILAKSO links one number:
// the container's first device (its ID is nil until linked).
func OpenDevices(ctx context.Context, dbURL string, log waLog.Logger) (*sqlstore.Container, error) {
	driver, dialect, dsn := "pgx", "postgres", dbURL
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		// whatsmeow refuses SQLite without foreign keys; WAL and a busy timeout let the
		// device's many small writes wait for each other instead of failing.
		q := url.Values{}
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "busy_timeout(5000)")
		driver, dialect, dsn = "sqlite", "sqlite", "file:"+path+"?"+q.Encode()
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	if dialect == "sqlite" {
		db.SetMaxOpenConns(1) // one writer; whatsmeow's queries are short
	} else {
		db.SetMaxOpenConns(4)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	c := sqlstore.NewWithDB(db, dialect, log)
	if err := c.Upgrade(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("whatsapp device tables: %w", err)
	}
	return c, nil
}
