package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/seal"
)

// outboxChannel is the LISTEN/NOTIFY channel that wakes the couriers when a message
// is queued (the notification is delivered when the queuing transaction commits).
const outboxChannel = "silakso_outbox"

func enqueue(k *seal.Keyring, ctx context.Context, tx pgx.Tx, msgs []domain.OutboxMessage, at time.Time) error {
	if len(msgs) == 0 {
		return nil
	}
	for _, m := range msgs {
		next := m.NextAt
		if next.IsZero() {
			next = at
		}
		// Without a key of its own the column's default makes one.
		if _, err := tx.Exec(ctx, `INSERT INTO outbox (channel, recipient, body, case_id, next_at, created_at, updated_at, send_key)
			VALUES ($1, $2, $3, $4, $5, $6, $6, CASE WHEN $7 = '' THEN md5(random()::text || clock_timestamp()::text) ELSE $7 END)`,
			m.Channel, m.To, k.Seal(m.Text), m.CaseID, next, at, m.Key); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, outboxChannel)
	return err
}

// Enqueue implements store.Outbox.
func (d *DB) Enqueue(ctx context.Context, msgs []domain.OutboxMessage, at time.Time) (err error) {
	defer store.Wrap(&err, "postgres: outbox")
	if err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error { return enqueue(d.keys, ctx, tx, msgs, at) }); err != nil {
		return refused(err)
	}
	return nil
}

const outboxColumns = `id, channel, recipient, body, case_id, state, attempts, next_at, provider_id, last_error, send_key`

func scanOutbox(k *seal.Keyring, row pgx.Row) (domain.OutboxMessage, error) {
	var m domain.OutboxMessage
	err := row.Scan(&m.ID, &m.Channel, &m.To, &m.Text, &m.CaseID, &m.State, &m.Attempts, &m.NextAt, &m.ProviderID, &m.LastError, &m.Key)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, store.ErrNotFound
	}
	m.NextAt = m.NextAt.UTC()
	if err != nil {
		return m, err
	}
	m.Text, err = k.Open(m.Text)
	return m, err
}

// claimOutbox leases due messages, the oldest first, at most one per recipient: a
// message is due only when nothing older of the same recipient is still pending
// (leased to a worker, or waiting for a retry), so each resident gets their messages in
// order whichever worker in whichever instance sends them. Workers take disjoint
// messages (FOR UPDATE SKIP LOCKED).
const claimOutbox = `
UPDATE outbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
WHERE id IN (
	SELECT o.id FROM outbox o
	WHERE o.state = 'pending' AND o.next_at <= $3 AND (o.lease_until IS NULL OR o.lease_until <= $3)
		AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.recipient = o.recipient AND p.state = 'pending' AND p.id < o.id)
	ORDER BY o.next_at, o.id LIMIT $4
	FOR UPDATE SKIP LOCKED)
RETURNING ` + outboxColumns + `, EXISTS (SELECT 1 FROM opt_outs WHERE phone = outbox.recipient)`

// Claim implements store.Outbox.
func (d *DB) Claim(ctx context.Context, owner string, limit int, lease time.Duration, now time.Time) (_ []domain.OutboxMessage, err error) {
	defer store.Wrap(&err, "postgres: claim")
	rows, err := d.pool.Query(ctx, claimOutbox, owner, now.Add(lease), now, limit)
	if err != nil {
		return nil, err
	}
	msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.OutboxMessage, error) {
		var m domain.OutboxMessage
		err := r.Scan(&m.ID, &m.Channel, &m.To, &m.Text, &m.CaseID, &m.State, &m.Attempts, &m.NextAt, &m.ProviderID, &m.LastError, &m.Key, &m.OptedOut)
		m.NextAt = m.NextAt.UTC()
		if err == nil {
			m.Text, err = d.keys.Open(m.Text)
		}
		return m, err
	})
	if err != nil {
		return nil, err
	}
	// RETURNING gives rows in no particular order; workers take them oldest first.
	slices.SortFunc(msgs, func(a, b domain.OutboxMessage) int {
		return cmp.Or(a.NextAt.Compare(b.NextAt), cmp.Compare(a.ID, b.ID))
	})
	return msgs, nil
}

// Extend implements store.Outbox.
func (d *DB) Extend(ctx context.Context, owner string, ids []int64, until time.Time) (_ []int64, err error) {
	defer store.Wrap(&err, "postgres: extend leases")
	rows, err := d.pool.Query(ctx, `UPDATE outbox SET lease_until = $1
		WHERE id = ANY($2) AND lease_owner = $3 AND state = 'pending' AND lease_until IS NOT NULL RETURNING id`, until, ids, owner)
	if err != nil {
		return nil, err
	}
	held, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	return held, nil
}

// Release implements store.Outbox.
func (d *DB) Release(ctx context.Context, owner string, ids []int64) (err error) {
	defer store.Wrap(&err, "postgres: release leases")
	if _, err := d.pool.Exec(ctx, `UPDATE outbox SET lease_until = NULL, lease_owner = '', attempts = GREATEST(attempts - 1, 0)
		WHERE id = ANY($1) AND lease_owner = $2 AND state = 'pending' AND lease_until IS NOT NULL`, ids, owner); err != nil {
		return err
	}
	return nil
}

func (d *DB) finish(ctx context.Context, id int64, owner, set string, args ...any) (err error) {
	defer store.Wrap(&err, "postgres: outbox")
	n := len(args)
	tag, err := d.pool.Exec(ctx, fmt.Sprintf(`UPDATE outbox SET %s, lease_until = NULL
		WHERE id = $%d AND lease_owner = $%d AND state = 'pending'`, set, n+1, n+2), append(args, id, owner)...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return domain.ErrLeaseLost
	}
	return nil
}

// Sent implements store.Outbox.
func (d *DB) Sent(ctx context.Context, id int64, owner, providerID string, at time.Time) error {
	return d.finish(ctx, id, owner, `state = 'sent', provider_id = $1, updated_at = $2, body = ''`, providerID, at)
}

// Retry implements store.Outbox.
func (d *DB) Retry(ctx context.Context, id int64, owner string, next time.Time, reason string, at time.Time) error {
	return d.finish(ctx, id, owner, `next_at = $1, last_error = $2, updated_at = $3`, next, reason, at)
}

// Failed implements store.Outbox.
func (d *DB) Failed(ctx context.Context, id int64, owner, reason string, at time.Time) error {
	return d.finish(ctx, id, owner, `state = 'failed', last_error = $1, updated_at = $2, body = ''`, reason, at)
}

// OutboxMessageByID implements store.Outbox.
func (d *DB) OutboxMessageByID(ctx context.Context, id int64) (domain.OutboxMessage, error) {
	return scanOutbox(d.keys, d.pool.QueryRow(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = $1`, id))
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
