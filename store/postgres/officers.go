package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/store"
)

const officerColumns = `phone, name, role, kecamatan, channel, active, created_at`

func scanOfficer(row pgx.Row) (store.Officer, error) {
	var o store.Officer
	var kec string
	err := row.Scan(&o.Phone, &o.Name, &o.Role, &kec, &o.Channel, &o.Active, &o.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, store.ErrNotFound
	}
	if kec != "" {
		o.Kecamatan = strings.Split(kec, ",")
	}
	o.CreatedAt = o.CreatedAt.UTC()
	return o, err
}

// AddOfficer implements store.Officers.
func (d *DB) AddOfficer(ctx context.Context, o store.Officer) error {
	tag, err := d.pool.Exec(ctx, `INSERT INTO officers (phone, name, role, kecamatan, channel, active, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (phone) DO NOTHING`,
		o.Phone, o.Name, o.Role, strings.Join(o.Kecamatan, ","), o.Channel, o.Active, o.CreatedAt)
	if err != nil {
		return fmt.Errorf("postgres: add officer: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrExists
	}
	return nil
}

// Officer implements store.Officers.
func (d *DB) Officer(ctx context.Context, phone string) (store.Officer, error) {
	o, err := scanOfficer(d.pool.QueryRow(ctx, `SELECT `+officerColumns+` FROM officers WHERE phone = $1`, phone))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return o, fmt.Errorf("postgres: officer: %w", err)
	}
	return o, err
}

// ListOfficers implements store.Officers.
func (d *DB) ListOfficers(ctx context.Context) ([]store.Officer, error) {
	rows, err := d.pool.Query(ctx, `SELECT `+officerColumns+` FROM officers ORDER BY name, phone`)
	if err != nil {
		return nil, fmt.Errorf("postgres: officers: %w", err)
	}
	officers, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Officer, error) { return scanOfficer(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: officers: %w", err)
	}
	return officers, nil
}

// SetOfficerActive implements store.Officers.
func (d *DB) SetOfficerActive(ctx context.Context, phone string, active bool) error {
	tag, err := d.pool.Exec(ctx, `UPDATE officers SET active = $1 WHERE phone = $2`, active, phone)
	if err != nil {
		return fmt.Errorf("postgres: officer: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}
