package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/seal"
)

func enqueue(k *seal.Keyring, ctx context.Context, tx *sql.Tx, msgs []domain.OutboxMessage, at time.Time) error {
	for _, m := range msgs {
		next := m.NextAt
		if next.IsZero() {
			next = at
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (channel, recipient, body, case_id, next_at, created_at, updated_at, send_key)
			VALUES (?, ?, ?, ?, ?, ?, ?, CASE WHEN ?8 = '' THEN lower(hex(randomblob(16))) ELSE ?8 END)`,
			m.Channel, m.To, k.Seal(m.Text), m.CaseID, next.UnixMilli(), at.UnixMilli(), at.UnixMilli(), m.Key); err != nil {
			return err
		}
	}
	return nil
}

// Enqueue implements store.Outbox.
func (d *DB) Enqueue(ctx context.Context, msgs []domain.OutboxMessage, at time.Time) (err error) {
	defer store.Wrap(&err, "sqlite: outbox")
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := enqueue(d.keys, ctx, tx, msgs, at); err != nil {
		return err
	}
	return tx.Commit()
}

const outboxColumns = `id, channel, recipient, body, case_id, state, attempts, next_at, provider_id, last_error, send_key`

func scanOutbox(k *seal.Keyring, row scanner) (domain.OutboxMessage, error) {
	var m domain.OutboxMessage
	var next int64
	err := row.Scan(&m.ID, &m.Channel, &m.To, &m.Text, &m.CaseID, &m.State, &m.Attempts, &next, &m.ProviderID, &m.LastError, &m.Key)
	if errors.Is(err, sql.ErrNoRows) {
		return m, store.ErrNotFound
	}
	m.NextAt = time.UnixMilli(next).UTC()
	if err != nil {
		return m, err
	}
	m.Text, err = k.Open(m.Text)
	return m, err
}

// Claim implements store.Outbox: the oldest due messages, at most one per recipient
// and only when nothing older of theirs is pending, as on PostgreSQL. SQLite has one
// writer at a time, so a plain transaction keeps two workers from claiming the same
// message.
func (d *DB) Claim(ctx context.Context, owner string, limit int, lease time.Duration, now time.Time) (_ []domain.OutboxMessage, err error) {
	defer store.Wrap(&err, "sqlite: claim")
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
		WHERE id IN (
			SELECT o.id FROM outbox o
			WHERE o.state = 'pending' AND o.next_at <= ? AND o.lease_until <= ?
				AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.recipient = o.recipient AND p.state = 'pending' AND p.id < o.id)
			ORDER BY o.next_at, o.id LIMIT ?)
		RETURNING `+outboxColumns+`, EXISTS (SELECT 1 FROM opt_outs WHERE phone = outbox.recipient)`, owner, now.Add(lease).UnixMilli(), now.UnixMilli(), now.UnixMilli(), limit)
	if err != nil {
		return nil, err
	}
	var out []domain.OutboxMessage
	for rows.Next() {
		var m domain.OutboxMessage
		var next int64
		if err := rows.Scan(&m.ID, &m.Channel, &m.To, &m.Text, &m.CaseID, &m.State, &m.Attempts, &next, &m.ProviderID, &m.LastError, &m.Key, &m.OptedOut); err != nil {
			rows.Close()
			return nil, err
		}
		m.NextAt = time.UnixMilli(next).UTC()
		var err error
		if m.Text, err = d.keys.Open(m.Text); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, m)
	}
	rows.Close()
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	// RETURNING gives rows in no particular order; workers take them oldest first.
	slices.SortFunc(out, func(a, b domain.OutboxMessage) int {
		return cmp.Or(a.NextAt.Compare(b.NextAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// idList is ids as SQL parameters and their placeholders.
func idList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", "), args
}

// Extend implements store.Outbox.
func (d *DB) Extend(ctx context.Context, owner string, ids []int64, until time.Time) (_ []int64, err error) {
	defer store.Wrap(&err, "sqlite: extend leases")
	if len(ids) == 0 {
		return nil, nil
	}
	marks, args := idList(ids)
	rows, err := d.db.QueryContext(ctx, `UPDATE outbox SET lease_until = ?
		WHERE id IN (`+marks+`) AND lease_owner = ? AND state = 'pending' AND lease_until > 0 RETURNING id`,
		append(append([]any{until.UnixMilli()}, args...), owner)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var held []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		held = append(held, id)
	}
	return held, rows.Err()
}

// Release implements store.Outbox.
func (d *DB) Release(ctx context.Context, owner string, ids []int64) (err error) {
	defer store.Wrap(&err, "sqlite: release leases")
	if len(ids) == 0 {
		return nil
	}
	marks, args := idList(ids)
	if _, err := d.db.ExecContext(ctx, `UPDATE outbox SET lease_until = 0, lease_owner = '', attempts = MAX(attempts - 1, 0)
		WHERE id IN (`+marks+`) AND lease_owner = ? AND state = 'pending' AND lease_until > 0`, append(args, owner)...); err != nil {
		return err
	}
	return nil
}

func (d *DB) finish(ctx context.Context, id int64, owner, query string, args ...any) (err error) {
	defer store.Wrap(&err, "sqlite: outbox")
	res, err := d.db.ExecContext(ctx, query+` WHERE id = ? AND lease_owner = ? AND state = 'pending'`, append(args, id, owner)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.ErrLeaseLost
	}
	return nil
}

// Sent implements store.Outbox.
func (d *DB) Sent(ctx context.Context, id int64, owner, providerID string, at time.Time) error {
	return d.finish(ctx, id, owner, `UPDATE outbox SET state = 'sent', provider_id = ?, lease_until = 0, updated_at = ?, body = ''`, providerID, at.UnixMilli())
}

// Retry implements store.Outbox.
func (d *DB) Retry(ctx context.Context, id int64, owner string, next time.Time, reason string, at time.Time) error {
	return d.finish(ctx, id, owner, `UPDATE outbox SET next_at = ?, last_error = ?, lease_until = 0, updated_at = ?`, next.UnixMilli(), reason, at.UnixMilli())
}

// Failed implements store.Outbox.
func (d *DB) Failed(ctx context.Context, id int64, owner, reason string, at time.Time) error {
	return d.finish(ctx, id, owner, `UPDATE outbox SET state = 'failed', last_error = ?, lease_until = 0, updated_at = ?, body = ''`, reason, at.UnixMilli())
}

// OutboxMessageByID implements store.Outbox.
func (d *DB) OutboxMessageByID(ctx context.Context, id int64) (domain.OutboxMessage, error) {
	return scanOutbox(d.keys, d.db.QueryRowContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = ?`, id))
}
