package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dinsospmd-bateng/silakso/store"
)

func enqueue(ctx context.Context, tx *sql.Tx, msgs []store.OutboxMessage, at time.Time) error {
	for _, m := range msgs {
		next := m.NextAt
		if next.IsZero() {
			next = at
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (channel, recipient, body, case_id, next_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, m.Channel, m.To, m.Text, m.CaseID, next.UnixMilli(), at.UnixMilli(), at.UnixMilli()); err != nil {
			return err
		}
	}
	return nil
}

// Enqueue implements store.Outbox.
func (d *DB) Enqueue(ctx context.Context, msgs []store.OutboxMessage, at time.Time) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: outbox: %w", err)
	}
	defer tx.Rollback()
	if err := enqueue(ctx, tx, msgs, at); err != nil {
		return fmt.Errorf("sqlite: outbox: %w", err)
	}
	return tx.Commit()
}

const outboxColumns = `id, channel, recipient, body, case_id, state, attempts, next_at, provider_id, last_error`

func scanOutbox(row scanner) (store.OutboxMessage, error) {
	var m store.OutboxMessage
	var next int64
	err := row.Scan(&m.ID, &m.Channel, &m.To, &m.Text, &m.CaseID, &m.State, &m.Attempts, &next, &m.ProviderID, &m.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return m, store.ErrNotFound
	}
	m.NextAt = time.UnixMilli(next).UTC()
	return m, err
}

// Claim implements store.Outbox. SQLite has one writer at a time, so a plain
// transaction is enough to keep two workers from claiming the same message.
func (d *DB) Claim(ctx context.Context, owner string, limit int, lease time.Duration, now time.Time) ([]store.OutboxMessage, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_at <= ? AND lease_until <= ? ORDER BY id LIMIT ?)
		RETURNING `+outboxColumns, owner, now.Add(lease).UnixMilli(), now.UnixMilli(), now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	var out []store.OutboxMessage
	for rows.Next() {
		m, err := scanOutbox(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: claim: %w", err)
		}
		out = append(out, m)
	}
	rows.Close()
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	return out, nil
}

func (d *DB) finish(ctx context.Context, id int64, owner, query string, args ...any) error {
	res, err := d.db.ExecContext(ctx, query+` WHERE id = ? AND lease_owner = ? AND state = 'pending'`, append(args, id, owner)...)
	if err != nil {
		return fmt.Errorf("sqlite: outbox: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrLockLost
	}
	return nil
}

// Sent implements store.Outbox.
func (d *DB) Sent(ctx context.Context, id int64, owner, providerID string, at time.Time) error {
	return d.finish(ctx, id, owner, `UPDATE outbox SET state = 'sent', provider_id = ?, lease_until = 0, updated_at = ?`, providerID, at.UnixMilli())
}

// Retry implements store.Outbox.
func (d *DB) Retry(ctx context.Context, id int64, owner string, next time.Time, reason string, at time.Time) error {
	return d.finish(ctx, id, owner, `UPDATE outbox SET next_at = ?, last_error = ?, lease_until = 0, updated_at = ?`, next.UnixMilli(), reason, at.UnixMilli())
}

// Failed implements store.Outbox.
func (d *DB) Failed(ctx context.Context, id int64, owner, reason string, at time.Time) error {
	return d.finish(ctx, id, owner, `UPDATE outbox SET state = 'failed', last_error = ?, lease_until = 0, updated_at = ?`, reason, at.UnixMilli())
}

// OutboxMessageByID implements store.Outbox.
func (d *DB) OutboxMessageByID(ctx context.Context, id int64) (store.OutboxMessage, error) {
	return scanOutbox(d.db.QueryRowContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = ?`, id))
}
