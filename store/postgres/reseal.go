package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/store"
)

// Reseal implements store.Resealer, in one transaction: the rows are locked as they
// are read, so instances running meanwhile wait rather than write under the old key.
func (d *DB) Reseal(ctx context.Context) (_ store.ResealCount, err error) {
	defer store.Wrap(&err, "postgres: reseal")
	var n store.ResealCount
	if d.keys == nil {
		return n, errors.New("postgres: reseal: no key configured")
	}
	err = pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		// The one thing the event trail lets through, and only in this transaction.
		if _, err := tx.Exec(ctx, `SET LOCAL silakso.reseal = 'on'`); err != nil {
			return err
		}
		var err error
		if n.Cases, err = d.resealRows(ctx, tx, `SELECT id, name, nik, address, description, filer_name, last_reply, survey_comment FROM cases FOR UPDATE`,
			`UPDATE cases SET name = $1, nik = $2, address = $3, description = $4, filer_name = $5, last_reply = $6, survey_comment = $7, nik_index = $8, version = version + 1 WHERE id = $9`, true); err != nil {
			return err
		}
		if n.Events, err = d.resealRows(ctx, tx, `SELECT id, note FROM case_events WHERE note <> '' FOR UPDATE`,
			`UPDATE case_events SET note = $1 WHERE id = $2`, false); err != nil {
			return err
		}
		n.Outbox, err = d.resealRows(ctx, tx, `SELECT id, body FROM outbox WHERE body <> '' FOR UPDATE`,
			`UPDATE outbox SET body = $1 WHERE id = $2`, false)
		return err
	})
	if err != nil {
		return store.ResealCount{}, err
	}
	return n, nil
}

// resealRows rewrites the rows of query (an id, then sealed text columns) whose values
// are not under the current key; withIndex adds the NIK's blind index (the second
// value is the NIK) before the id.
func (d *DB) resealRows(ctx context.Context, tx pgx.Tx, query, update string, withIndex bool) (int, error) {
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return 0, err
	}
	type row struct {
		id     int64
		values []string
	}
	stale, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		values, err := r.Values()
		if err != nil {
			return row{}, err
		}
		out := row{id: values[0].(int64)}
		for _, v := range values[1:] {
			out.values = append(out.values, v.(string))
		}
		return out, nil
	})
	if err != nil {
		return 0, err
	}
	count := 0
	for _, r := range stale {
		if !d.keys.Stale(r.values...) {
			continue
		}
		sealed, plain, err := d.keys.Reseal(r.values)
		if err != nil {
			return 0, fmt.Errorf("row %d: %w", r.id, err)
		}
		var args []any
		for _, v := range sealed {
			args = append(args, v)
		}
		if withIndex {
			args = append(args, d.keys.Index(plain[1]))
		}
		if _, err := tx.Exec(ctx, update, append(args, r.id)...); err != nil {
			return 0, fmt.Errorf("row %d: %w", r.id, err)
		}
		count++
	}
	return count, nil
}
