package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// AddOfficer implements store.Officers.
func (d *DB) AddOfficer(ctx context.Context, o domain.Officer) (err error) {
	defer store.Wrap(&err, "sqlite: add officer")
	res, err := d.db.ExecContext(ctx, `INSERT INTO officers (phone, name, role, kecamatan, channel, active, created_at, pin_hash, monthly_summary)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (phone) DO NOTHING`,
		o.Phone, o.Name, o.Role, strings.Join(o.Kecamatan, ","), o.Channel, o.Active, o.CreatedAt.UnixMilli(), o.PINHash, o.MonthlySummary)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrExists
	}
	return nil
}

func scanOfficer(row scanner) (domain.Officer, error) {
	var o domain.Officer
	var kec string
	var created, locked, after int64
	err := row.Scan(&o.Phone, &o.Name, &o.Role, &kec, &o.Channel, &o.Active, &created, &o.PINHash, &o.FailedPINs, &locked, &after, &o.Lockouts, &o.MonthlySummary)
	if errors.Is(err, sql.ErrNoRows) {
		return o, store.ErrNotFound
	}
	if kec != "" {
		o.Kecamatan = strings.Split(kec, ",")
	}
	o.CreatedAt, o.LockedUntil, o.SessionsAfter = time.UnixMilli(created).UTC(), millis(locked), millis(after)
	return o, err
}

const officerColumns = `phone, name, role, kecamatan, channel, active, created_at, pin_hash, failed_pins, locked_until, sessions_after, lockouts, monthly_summary`

// Officer implements store.Officers.
func (d *DB) Officer(ctx context.Context, phone string) (_ domain.Officer, err error) {
	defer store.Wrap(&err, "sqlite: officer")
	o, err := scanOfficer(d.db.QueryRowContext(ctx, `SELECT `+officerColumns+` FROM officers WHERE phone = ?`, phone))
	return o, err
}

// ListOfficers implements store.Officers.
func (d *DB) ListOfficers(ctx context.Context) (_ []domain.Officer, err error) {
	defer store.Wrap(&err, "sqlite: officers")
	rows, err := d.db.QueryContext(ctx, `SELECT `+officerColumns+` FROM officers ORDER BY name, phone`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Officer
	for rows.Next() {
		o, err := scanOfficer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// SetOfficerActive implements store.Officers.
func (d *DB) SetOfficerActive(ctx context.Context, phone string, active bool, at time.Time) (err error) {
	defer store.Wrap(&err, "sqlite: officer")
	res, err := d.db.ExecContext(ctx, `UPDATE officers SET active = ?, sessions_after = ? WHERE phone = ?`, active, at.UnixMilli(), phone)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// SetOfficerPIN implements store.Officers.
func (d *DB) SetOfficerPIN(ctx context.Context, phone, hash string, at time.Time) (err error) {
	defer store.Wrap(&err, "sqlite: officer pin")
	res, err := d.db.ExecContext(ctx, `UPDATE officers SET pin_hash = ?, failed_pins = 0, locked_until = 0, lockouts = 0, sessions_after = ? WHERE phone = ?`, hash, at.UnixMilli(), phone)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// PINTry implements store.Officers.
func (d *DB) PINTry(ctx context.Context, phone string, at time.Time) (_ domain.Officer, err error) {
	defer store.Wrap(&err, "sqlite: officer pin")
	o, err := scanOfficer(d.db.QueryRowContext(ctx, `UPDATE officers SET failed_pins = failed_pins + 1
		WHERE phone = ? AND locked_until <= ? RETURNING `+officerColumns, phone, at.UnixMilli()))
	if errors.Is(err, store.ErrNotFound) {
		return d.Officer(ctx, phone) // locked (left alone), or unknown
	}
	if err != nil {
		return o, err
	}
	return o, nil
}

// PINFailed implements store.Officers. One statement, so concurrent instances agree
// (SQLite runs one writer at a time).
func (d *DB) PINFailed(ctx context.Context, phone string, max int, lockFor time.Duration, at time.Time) (_ domain.Officer, err error) {
	defer store.Wrap(&err, "sqlite: officer pin")
	o, err := scanOfficer(d.db.QueryRowContext(ctx, `
		UPDATE officers SET
			locked_until = CASE WHEN failed_pins >= ? THEN ? + ? * (1 << min(lockouts, 5)) ELSE locked_until END,
			sessions_after = CASE WHEN failed_pins >= ? THEN ? ELSE sessions_after END,
			lockouts = CASE WHEN failed_pins >= ? THEN lockouts + 1 ELSE lockouts END,
			failed_pins = CASE WHEN failed_pins >= ? THEN 0 ELSE failed_pins END
		WHERE phone = ? RETURNING `+officerColumns,
		max, at.UnixMilli(), lockFor.Milliseconds(), max, at.UnixMilli(), max, max, phone))
	return o, err
}

// PINPassed implements store.Officers.
func (d *DB) PINPassed(ctx context.Context, phone string) (err error) {
	defer store.Wrap(&err, "sqlite: officer pin")
	if _, err := d.db.ExecContext(ctx, `UPDATE officers SET failed_pins = 0, lockouts = 0 WHERE phone = ? AND (failed_pins <> 0 OR lockouts <> 0)`, phone); err != nil {
		return err
	}
	return nil
}

// SetMonthlySummary implements store.Officers.
func (d *DB) SetMonthlySummary(ctx context.Context, phone string, on bool) (err error) {
	defer store.Wrap(&err, "sqlite: officer")
	res, err := d.db.ExecContext(ctx, `UPDATE officers SET monthly_summary = ? WHERE phone = ?`, on, phone)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}
