package postgres

import (
	"context"
	"errors"
	"fmt"

	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/store"
)

const caseColumns = `id, COALESCE(ticket, ''), intake_id, status, channel, filer, lang, relation, name, nik,
	no_nik, desa_code, desa, kecamatan, address, need, description, contact, filed_at, updated_at`

func scanCase(row pgx.Row) (store.Case, error) {
	var c store.Case
	err := row.Scan(&c.ID, &c.Ticket, &c.IntakeID, &c.Status, &c.Channel, &c.Filer, &c.Lang,
		&c.Relation, &c.Name, &c.NIK, &c.NoNIK, &c.DesaCode, &c.Desa, &c.Kecamatan, &c.Address,
		&c.Need, &c.Description, &c.Contact, &c.FiledAt, &c.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, store.ErrNotFound
	}
	c.FiledAt, c.UpdatedAt = c.FiledAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

// fileCase inserts the case and its "filed" event in one statement; on a second filing
// of the same intake it inserts nothing and returns no row.
const fileCase = `
WITH c AS (
	INSERT INTO cases (id, ticket, intake_id, status, channel, filer, lang, relation, name, nik, no_nik,
		desa_code, desa, kecamatan, address, need, description, contact, filed_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)
	ON CONFLICT (intake_id) DO NOTHING
	RETURNING id
), e AS (
	INSERT INTO case_events (case_id, at, actor, kind, to_status)
	SELECT id, $19, $6, 'filed', $4 FROM c
)
SELECT id FROM c`

// FileCase implements store.Cases. The ticket needs the case's sequence number for its
// check digit, so the number is drawn first; a number drawn for a filing that turns out
// to be a repeat is simply not used (tickets may skip, never repeat).
func (d *DB) FileCase(ctx context.Context, f store.Filing) (store.Case, bool, error) {
	var id int64
	if err := d.pool.QueryRow(ctx, `SELECT nextval('case_seq')`).Scan(&id); err != nil {
		return store.Case{}, false, fmt.Errorf("postgres: file case: %w", err)
	}
	ticket := store.NewTicket(f.FiledAt, id)
	err := d.pool.QueryRow(ctx, fileCase, id, ticket, f.IntakeID, store.StatusNew, f.Channel, f.Filer, f.Lang,
		f.Relation, f.Name, f.NIK, f.NoNIK, f.DesaCode, f.Desa, f.Kecamatan, f.Address, f.Need,
		f.Description, f.Contact, f.FiledAt).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		existing, err := scanCase(d.pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE intake_id = $1`, f.IntakeID))
		if err != nil {
			return store.Case{}, false, fmt.Errorf("postgres: file case: %w", err)
		}
		return existing, false, nil
	}
	if err != nil {
		return store.Case{}, false, fmt.Errorf("postgres: file case: %w", err)
	}
	c := store.Case{Filing: f, ID: id, Ticket: ticket, Status: store.StatusNew}
	c.FiledAt = f.FiledAt.UTC().Truncate(time.Microsecond) // what PostgreSQL keeps
	c.UpdatedAt = c.FiledAt
	return c, true, nil
}

// CaseByTicket implements store.Cases.
func (d *DB) CaseByTicket(ctx context.Context, ticket string) (store.Case, error) {
	c, err := scanCase(d.pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE ticket = $1`, ticket))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return c, fmt.Errorf("postgres: case by ticket: %w", err)
	}
	return c, err
}

// CasesByFiler implements store.Cases.
func (d *DB) CasesByFiler(ctx context.Context, filer string, limit int) ([]store.Case, error) {
	rows, err := d.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE filer = $1 ORDER BY id DESC LIMIT $2`, filer, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: cases by filer: %w", err)
	}
	cases, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Case, error) { return scanCase(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: cases by filer: %w", err)
	}
	return cases, nil
}

// Events implements store.Cases.
func (d *DB) Events(ctx context.Context, caseID int64) ([]store.Event, error) {
	rows, err := d.pool.Query(ctx, `
		SELECT id, case_id, at, actor, kind, from_status, to_status, note
		FROM case_events WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("postgres: events: %w", err)
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Event, error) {
		var e store.Event
		err := r.Scan(&e.ID, &e.CaseID, &e.At, &e.Actor, &e.Kind, &e.From, &e.To, &e.Note)
		e.At = e.At.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: events: %w", err)
	}
	return events, nil
}
