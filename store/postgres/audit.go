package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// Audit implements store.Auditor.
func (d *DB) Audit(ctx context.Context, e store.AuditEntry) (err error) {
	defer store.Wrap(&err, "postgres: audit")
	if _, err := d.pool.Exec(ctx, `INSERT INTO audit (at, actor, kind, subject, detail) VALUES ($1, $2, $3, $4, $5)`,
		e.At, e.Actor, e.Kind, domain.CleanText(e.Subject), domain.CleanText(e.Detail)); err != nil {
		return err
	}
	return nil
}

// AuditTrail implements store.Auditor.
func (d *DB) AuditTrail(ctx context.Context, f store.AuditFilter) (_ []store.AuditEntry, err error) {
	defer store.Wrap(&err, "postgres: audit trail")
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if !f.From.IsZero() {
		where = append(where, "at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "at < "+arg(f.To))
	}
	if f.Actor != "" {
		where = append(where, "actor = "+arg(f.Actor))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(f.Kind))
	}
	q := `SELECT id, at, actor, kind, subject, detail FROM audit`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id`
	if f.Limit > 0 {
		q += ` LIMIT ` + arg(f.Limit)
	}
	rows, err := d.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AuditEntry, error) {
		var e store.AuditEntry
		err := r.Scan(&e.ID, &e.At, &e.Actor, &e.Kind, &e.Subject, &e.Detail)
		e.At = e.At.UTC()
		return e, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
