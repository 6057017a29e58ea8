package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

const officerColumns = `phone, name, role, kecamatan, channel, active, created_at, pin_hash, failed_pins, locked_until, sessions_after, lockouts, monthly_summary`

func scanOfficer(row pgx.Row) (domain.Officer, error) {
	var o domain.Officer
	var kec string
	var locked, after *time.Time
	err := row.Scan(&o.Phone, &o.Name, &o.Role, &kec, &o.Channel, &o.Active, &o.CreatedAt, &o.PINHash, &o.FailedPINs, &locked, &after, &o.Lockouts, &o.MonthlySummary)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, store.ErrNotFound
	}
	if kec != "" {
		o.Kecamatan = strings.Split(kec, ",")
	}
	o.CreatedAt = o.CreatedAt.UTC()
	if locked != nil {
		o.LockedUntil = locked.UTC()
	}
	if after != nil {
		o.SessionsAfter = after.UTC()
	}
	return o, err
}

// AddOfficer implements store.Officers.
func (d *DB) AddOfficer(ctx context.Context, o domain.Officer) (err error) {
	defer store.Wrap(&err, "postgres: add officer")
	tag, err := d.pool.Exec(ctx, `INSERT INTO officers (phone, name, role, kecamatan, channel, active, created_at, pin_hash, monthly_summary)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (phone) DO NOTHING`,
		o.Phone, o.Name, o.Role, strings.Join(o.Kecamatan, ","), o.Channel, o.Active, o.CreatedAt, o.PINHash, o.MonthlySummary)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrExists
	}
	return nil
}

// Officer implements store.Officers.
func (d *DB) Officer(ctx context.Context, phone string) (_ domain.Officer, err error) {
	defer store.Wrap(&err, "postgres: officer")
	o, err := scanOfficer(d.pool.QueryRow(ctx, `SELECT `+officerColumns+` FROM officers WHERE phone = $1`, phone))
	return o, err
}

// ListOfficers implements store.Officers.
func (d *DB) ListOfficers(ctx context.Context) (_ []domain.Officer, err error) {
	defer store.Wrap(&err, "postgres: officers")
	rows, err := d.pool.Query(ctx, `SELECT `+officerColumns+` FROM officers ORDER BY name, phone`)
	if err != nil {
		return nil, err
	}
	officers, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Officer, error) { return scanOfficer(r) })
	if err != nil {
		return nil, err
	}
	return officers, nil
}

// SetOfficerActive implements store.Officers.
func (d *DB) SetOfficerActive(ctx context.Context, phone string, active bool, at time.Time) (err error) {
	defer store.Wrap(&err, "postgres: officer")
	tag, err := d.pool.Exec(ctx, `UPDATE officers SET active = $1, sessions_after = $3 WHERE phone = $2`, active, phone, at)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// SetOfficerPIN implements store.Officers.
func (d *DB) SetOfficerPIN(ctx context.Context, phone, hash string, at time.Time) (err error) {
	defer store.Wrap(&err, "postgres: officer pin")
	tag, err := d.pool.Exec(ctx, `UPDATE officers SET pin_hash = $1, failed_pins = 0, locked_until = NULL, lockouts = 0, sessions_after = $3 WHERE phone = $2`, hash, phone, at)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// PINTry implements store.Officers. One UPDATE: its row lock counts concurrent tries
// one after another, from any instance.
func (d *DB) PINTry(ctx context.Context, phone string, at time.Time) (_ domain.Officer, err error) {
	defer store.Wrap(&err, "postgres: officer pin")
	o, err := scanOfficer(d.pool.QueryRow(ctx, `UPDATE officers SET failed_pins = failed_pins + 1
		WHERE phone = $1 AND (locked_until IS NULL OR locked_until <= $2) RETURNING `+officerColumns, phone, at))
	if errors.Is(err, store.ErrNotFound) {
		return d.Officer(ctx, phone) // locked (left alone), or unknown
	}
	if err != nil {
		return o, err
	}
	return o, nil
}

// PINFailed implements store.Officers.
func (d *DB) PINFailed(ctx context.Context, phone string, max int, lockFor time.Duration, at time.Time) (_ domain.Officer, err error) {
	defer store.Wrap(&err, "postgres: officer pin")
	o, err := scanOfficer(d.pool.QueryRow(ctx, `
		UPDATE officers SET
			locked_until = CASE WHEN failed_pins >= $1
				THEN $2::timestamptz + make_interval(secs => $3::float8 * (1 << least(lockouts, 5))) ELSE locked_until END,
			sessions_after = CASE WHEN failed_pins >= $1 THEN $2 ELSE sessions_after END,
			lockouts = CASE WHEN failed_pins >= $1 THEN lockouts + 1 ELSE lockouts END,
			failed_pins = CASE WHEN failed_pins >= $1 THEN 0 ELSE failed_pins END
		WHERE phone = $4 RETURNING `+officerColumns, max, at, lockFor.Seconds(), phone))
	return o, err
}

// PINPassed implements store.Officers.
func (d *DB) PINPassed(ctx context.Context, phone string) (err error) {
	defer store.Wrap(&err, "postgres: officer pin")
	if _, err := d.pool.Exec(ctx, `UPDATE officers SET failed_pins = 0, lockouts = 0 WHERE phone = $1 AND (failed_pins <> 0 OR lockouts <> 0)`, phone); err != nil {
		return err
	}
	return nil
}

// SetMonthlySummary implements store.Officers.
func (d *DB) SetMonthlySummary(ctx context.Context, phone string, on bool) (err error) {
	defer store.Wrap(&err, "postgres: officer")
	tag, err := d.pool.Exec(ctx, `UPDATE officers SET monthly_summary = $1 WHERE phone = $2`, on, phone)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}
