package sqlite

import (
	"context"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// Audit implements store.Auditor.
func (d *DB) Audit(ctx context.Context, e store.AuditEntry) (err error) {
	defer store.Wrap(&err, "sqlite: audit")
	if _, err := d.db.ExecContext(ctx, `INSERT INTO audit (at, actor, kind, subject, detail) VALUES (?, ?, ?, ?, ?)`,
		e.At.UnixMilli(), e.Actor, e.Kind, domain.CleanText(e.Subject), domain.CleanText(e.Detail)); err != nil {
		return err
	}
	return nil
}

// AuditTrail implements store.Auditor.
func (d *DB) AuditTrail(ctx context.Context, f store.AuditFilter) (_ []store.AuditEntry, err error) {
	defer store.Wrap(&err, "sqlite: audit trail")
	var where []string
	var args []any
	if !f.From.IsZero() {
		where, args = append(where, "at >= ?"), append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		where, args = append(where, "at < ?"), append(args, f.To.UnixMilli())
	}
	if f.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, f.Actor)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	q := `SELECT id, at, actor, kind, subject, detail FROM audit`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id`
	if f.Limit > 0 {
		q, args = q+` LIMIT ?`, append(args, f.Limit)
	}
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		var e store.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Kind, &e.Subject, &e.Detail); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
