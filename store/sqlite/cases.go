package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dinsospmd-bateng/silakso/store"
)

const caseColumns = `id, COALESCE(ticket, ''), intake_id, status, channel, filer, lang, relation, name, nik,
	no_nik, desa_code, desa, kecamatan, address, need, description, contact, filed_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanCase(row scanner) (store.Case, error) {
	var c store.Case
	var filed, updated int64
	err := row.Scan(&c.ID, &c.Ticket, &c.IntakeID, &c.Status, &c.Channel, &c.Filer, &c.Lang,
		&c.Relation, &c.Name, &c.NIK, &c.NoNIK, &c.DesaCode, &c.Desa, &c.Kecamatan, &c.Address,
		&c.Need, &c.Description, &c.Contact, &filed, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	c.FiledAt, c.UpdatedAt = time.UnixMilli(filed).UTC(), time.UnixMilli(updated).UTC()
	return c, err
}

// FileCase implements store.Cases.
func (d *DB) FileCase(ctx context.Context, f store.Filing) (store.Case, bool, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return store.Case{}, false, fmt.Errorf("sqlite: file case: %w", err)
	}
	defer tx.Rollback()

	existing, err := scanCase(tx.QueryRowContext(ctx,
		`SELECT `+caseColumns+` FROM cases WHERE intake_id = ?`, f.IntakeID))
	if err == nil {
		return existing, false, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return store.Case{}, false, fmt.Errorf("sqlite: file case: %w", err)
	}
	at := f.FiledAt.UnixMilli()
	res, err := tx.ExecContext(ctx, `
		INSERT INTO cases (intake_id, status, channel, filer, lang, relation, name, nik, no_nik,
			desa_code, desa, kecamatan, address, need, description, contact, filed_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.IntakeID, store.StatusNew, f.Channel, f.Filer, f.Lang, f.Relation, f.Name, f.NIK, f.NoNIK,
		f.DesaCode, f.Desa, f.Kecamatan, f.Address, f.Need, f.Description, f.Contact, at, at)
	if err != nil {
		return store.Case{}, false, fmt.Errorf("sqlite: file case: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return store.Case{}, false, fmt.Errorf("sqlite: file case: %w", err)
	}
	ticket := store.NewTicket(f.FiledAt, id)
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET ticket = ? WHERE id = ?`, ticket, id); err != nil {
		return store.Case{}, false, fmt.Errorf("sqlite: file case: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO case_events (case_id, at, actor, kind, to_status) VALUES (?, ?, ?, 'filed', ?)`,
		id, at, f.Filer, store.StatusNew); err != nil {
		return store.Case{}, false, fmt.Errorf("sqlite: file case: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return store.Case{}, false, fmt.Errorf("sqlite: file case: %w", err)
	}
	c := store.Case{Filing: f, ID: id, Ticket: ticket, Status: store.StatusNew}
	c.FiledAt = time.UnixMilli(at).UTC()
	c.UpdatedAt = c.FiledAt
	return c, true, nil
}

// CaseByTicket implements store.Cases.
func (d *DB) CaseByTicket(ctx context.Context, ticket string) (store.Case, error) {
	c, err := scanCase(d.db.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE ticket = ?`, ticket))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return c, fmt.Errorf("sqlite: case by ticket: %w", err)
	}
	return c, err
}

// CasesByFiler implements store.Cases.
func (d *DB) CasesByFiler(ctx context.Context, filer string, limit int) ([]store.Case, error) {
	rows, err := d.db.QueryContext(ctx,
		`SELECT `+caseColumns+` FROM cases WHERE filer = ? ORDER BY id DESC LIMIT ?`, filer, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: cases by filer: %w", err)
	}
	defer rows.Close()
	var out []store.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: cases by filer: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Events implements store.Cases.
func (d *DB) Events(ctx context.Context, caseID int64) ([]store.Event, error) {
	rows, err := d.db.QueryContext(ctx, `
		SELECT id, case_id, at, actor, kind, from_status, to_status, note
		FROM case_events WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: events: %w", err)
	}
	defer rows.Close()
	var out []store.Event
	for rows.Next() {
		var e store.Event
		var at int64
		if err := rows.Scan(&e.ID, &e.CaseID, &at, &e.Actor, &e.Kind, &e.From, &e.To, &e.Note); err != nil {
			return nil, fmt.Errorf("sqlite: events: %w", err)
		}
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
