package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/store"
)

// outboxChannel is the LISTEN/NOTIFY channel that wakes outbox workers when a message
// is queued (the notification is delivered when the queuing transaction commits).
const outboxChannel = "silakso_outbox"

func enqueue(ctx context.Context, tx pgx.Tx, msgs []store.OutboxMessage, at time.Time) error {
	if len(msgs) == 0 {
		return nil
	}
	for _, m := range msgs {
		next := m.NextAt
		if next.IsZero() {
			next = at
		}
		if _, err := tx.Exec(ctx, `INSERT INTO outbox (channel, recipient, body, case_id, next_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)`, m.Channel, m.To, m.Text, m.CaseID, next, at); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, outboxChannel)
	return err
}

// Enqueue implements store.Outbox.
func (d *DB) Enqueue(ctx context.Context, msgs []store.OutboxMessage, at time.Time) error {
	if err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error { return enqueue(ctx, tx, msgs, at) }); err != nil {
		return fmt.Errorf("postgres: outbox: %w", err)
	}
	return nil
}

const outboxColumns = `id, channel, recipient, body, case_id, state, attempts, next_at, provider_id, last_error`

func scanOutbox(row pgx.Row) (store.OutboxMessage, error) {
	var m store.OutboxMessage
	err := row.Scan(&m.ID, &m.Channel, &m.To, &m.Text, &m.CaseID, &m.State, &m.Attempts, &m.NextAt, &m.ProviderID, &m.LastError)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, store.ErrNotFound
	}
	m.NextAt = m.NextAt.UTC()
	return m, err
}

// Claim implements store.Outbox: workers in any number of instances take disjoint
// messages (FOR UPDATE SKIP LOCKED) and hold them under a lease.
func (d *DB) Claim(ctx context.Context, owner string, limit int, lease time.Duration, now time.Time) ([]store.OutboxMessage, error) {
	rows, err := d.pool.Query(ctx, `UPDATE outbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
		WHERE id IN (
			SELECT id FROM outbox
			WHERE state = 'pending' AND next_at <= $3 AND (lease_until IS NULL OR lease_until <= $3)
			ORDER BY next_at, id LIMIT $4
			FOR UPDATE SKIP LOCKED)
		RETURNING `+outboxColumns, owner, now.Add(lease), now, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim: %w", err)
	}
	msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.OutboxMessage, error) { return scanOutbox(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: claim: %w", err)
	}
	return msgs, nil
}

func (d *DB) finish(ctx context.Context, id int64, owner, set string, args ...any) error {
	n := len(args)
	tag, err := d.pool.Exec(ctx, fmt.Sprintf(`UPDATE outbox SET %s, lease_until = NULL
		WHERE id = $%d AND lease_owner = $%d AND state = 'pending'`, set, n+1, n+2), append(args, id, owner)...)
	if err != nil {
		return fmt.Errorf("postgres: outbox: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrLockLost
	}
	return nil
}

// Sent implements store.Outbox.
func (d *DB) Sent(ctx context.Context, id int64, owner, providerID string, at time.Time) error {
	return d.finish(ctx, id, owner, `state = 'sent', provider_id = $1, updated_at = $2`, providerID, at)
}

// Retry implements store.Outbox.
func (d *DB) Retry(ctx context.Context, id int64, owner string, next time.Time, reason string, at time.Time) error {
	return d.finish(ctx, id, owner, `next_at = $1, last_error = $2, updated_at = $3`, next, reason, at)
}

// Failed implements store.Outbox.
func (d *DB) Failed(ctx context.Context, id int64, owner, reason string, at time.Time) error {
	return d.finish(ctx, id, owner, `state = 'failed', last_error = $1, updated_at = $2`, reason, at)
}

// OutboxMessageByID implements store.Outbox.
func (d *DB) OutboxMessageByID(ctx context.Context, id int64) (store.OutboxMessage, error) {
	return scanOutbox(d.pool.QueryRow(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = $1`, id))
}

// ListenOutbox calls wake whenever a message is queued, until ctx is done. It keeps its
// own connection (outside the pool, so turns never wait for it) and reconnects after
// errors; workers also poll, so a lost notification only delays delivery.
func (d *DB) ListenOutbox(ctx context.Context, wake func()) {
	for ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(ctx, d.pool.Config().ConnConfig.Copy())
		if err != nil {
			sleep(ctx, time.Second)
			continue
		}
		if _, err := conn.Exec(ctx, "LISTEN "+outboxChannel); err == nil {
			// Messages queued while we were not listening.
			wake()
			for {
				if _, err := conn.WaitForNotification(ctx); err != nil {
					break
				}
				wake()
			}
		}
		conn.Close(context.Background())
		sleep(ctx, time.Second)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
