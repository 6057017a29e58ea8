package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dinsospmd-bateng/silakso/store"
)

// Reseal implements store.Resealer, in one transaction (SQLite writes one at a time).
func (d *DB) Reseal(ctx context.Context) (_ store.ResealCount, err error) {
	defer store.Wrap(&err, "sqlite: reseal")
	var n store.ResealCount
	if d.keys == nil {
		return n, fmt.Errorf("sqlite: reseal: no key configured")
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return n, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO maintenance (what) VALUES ('reseal')`); err != nil {
		return n, err
	}
	if n.Cases, err = d.resealRows(ctx, tx, `SELECT id, name, nik, address, description, filer_name, last_reply, survey_comment FROM cases`,
		`UPDATE cases SET name = ?, nik = ?, address = ?, description = ?, filer_name = ?, last_reply = ?, survey_comment = ?, nik_index = ?, version = version + 1 WHERE id = ?`, true); err != nil {
		return n, err
	}
	if n.Events, err = d.resealRows(ctx, tx, `SELECT id, note FROM case_events WHERE note <> ''`,
		`UPDATE case_events SET note = ? WHERE id = ?`, false); err != nil {
		return n, err
	}
	if n.Outbox, err = d.resealRows(ctx, tx, `SELECT id, body FROM outbox WHERE body <> ''`,
		`UPDATE outbox SET body = ? WHERE id = ?`, false); err != nil {
		return n, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM maintenance WHERE what = 'reseal'`); err != nil {
		return n, err
	}
	if err := tx.Commit(); err != nil {
		return n, err
	}
	return n, nil
}

// resealRows rewrites the rows of query (an id, then sealed text columns) whose values
// are not under the current key; withIndex adds the NIK's blind index (the third
// column) before the id.
func (d *DB) resealRows(ctx context.Context, tx *sql.Tx, query, update string, withIndex bool) (_ int, err error) {
	defer store.Wrap(&err, "sqlite: reseal")
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return 0, err
	}
	cols, _ := rows.Columns()
	type row struct {
		id     int64
		values []string
	}
	var stale []row
	for rows.Next() {
		r := row{values: make([]string, len(cols)-1)}
		dest := []any{&r.id}
		for i := range r.values {
			dest = append(dest, &r.values[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return 0, err
		}
		if d.keys.Stale(r.values...) {
			stale = append(stale, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, r := range stale {
		sealed, plain, err := d.keys.Reseal(r.values)
		if err != nil {
			return 0, fmt.Errorf("sqlite: reseal: row %d: %w", r.id, err)
		}
		var args []any
		for _, v := range sealed {
			args = append(args, v)
		}
		if withIndex {
			args = append(args, d.keys.Index(plain[1])) // the NIK, second of the cases' columns
		}
		if _, err := tx.ExecContext(ctx, update, append(args, r.id)...); err != nil {
			return 0, fmt.Errorf("sqlite: reseal: row %d: %w", r.id, err)
		}
	}
	return len(stale), nil
}

// HasSealed reports whether any case holds sealed values: a database that needs its
// key to be read.
func (d *DB) HasSealed(ctx context.Context) (bool, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM cases
		WHERE name LIKE 's1.%' OR nik LIKE 's1.%' OR description LIKE 's1.%' LIMIT 1)`).Scan(&n)
	return n > 0, err
}
