package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// upsertMessages writes a whole batch in one statement: the arrays are columns.
// Status only moves forwards (by rank); fields are filled once.
const upsertMessages = `
INSERT INTO messages (direction, provider_id, channel, peer, segments, status, status_rank, error_code, error, updated_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[], $8::text[], $9::text[], $10::timestamptz[])
ON CONFLICT (direction, provider_id) DO UPDATE SET
	channel     = CASE WHEN messages.channel = '' THEN excluded.channel ELSE messages.channel END,
	peer        = CASE WHEN messages.peer = '' THEN excluded.peer ELSE messages.peer END,
	segments    = GREATEST(messages.segments, excluded.segments),
	status      = CASE WHEN excluded.status_rank >= messages.status_rank THEN excluded.status ELSE messages.status END,
	error_code  = CASE WHEN excluded.status_rank >= messages.status_rank AND excluded.error_code <> '' THEN excluded.error_code ELSE messages.error_code END,
	error       = CASE WHEN excluded.status_rank >= messages.status_rank AND excluded.error_code <> '' THEN excluded.error ELSE messages.error END,
	updated_at  = CASE WHEN excluded.status_rank >= messages.status_rank THEN excluded.updated_at ELSE messages.updated_at END,
	status_rank = GREATEST(messages.status_rank, excluded.status_rank)`

// RecordMessages implements store.MessageLog.
func (d *DB) RecordMessages(ctx context.Context, recs []domain.MessageRecord) (err error) {
	defer store.Wrap(&err, "postgres: record messages")
	recs = domain.MergeRecords(recs)
	n := len(recs)
	dir, id, ch, peer, status, code, msg := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	seg, rank := make([]int32, n), make([]int32, n)
	at := make([]time.Time, n)
	for i, r := range recs {
		dir[i], id[i], ch[i], peer[i], status[i], code[i], msg[i] = r.Direction, r.ProviderID, r.Channel, r.Peer, r.Status, r.ErrorCode, r.Error
		seg[i], rank[i], at[i] = int32(r.Segments), int32(domain.StatusRank(r.Status)), r.At
	}
	if _, err := d.pool.Exec(ctx, upsertMessages, dir, id, ch, peer, seg, status, rank, code, msg, at); err != nil {
		return refused(err)
	}
	return nil
}

// Message implements store.MessageLog.
func (d *DB) Message(ctx context.Context, direction, providerID string) (_ domain.MessageRecord, err error) {
	defer store.Wrap(&err, "postgres: message")
	r := domain.MessageRecord{Direction: direction, ProviderID: providerID}
	err = d.pool.QueryRow(ctx, `
		SELECT channel, peer, segments, status, error_code, error, updated_at
		FROM messages WHERE direction = $1 AND provider_id = $2`, direction, providerID).
		Scan(&r.Channel, &r.Peer, &r.Segments, &r.Status, &r.ErrorCode, &r.Error, &r.At)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, store.ErrNotFound
	}
	if err != nil {
		return r, err
	}
	r.At = r.At.UTC()
	return r, nil
}

// SetOptOut implements store.MessageLog.
func (d *DB) SetOptOut(ctx context.Context, phone string, stopped bool, at time.Time) (err error) {
	defer store.Wrap(&err, "postgres: opt-out")
	if stopped {
		_, err = d.pool.Exec(ctx, `INSERT INTO opt_outs (phone, at) VALUES ($1, $2)
			ON CONFLICT (phone) DO UPDATE SET at = excluded.at`, phone, at)
	} else {
		_, err = d.pool.Exec(ctx, `DELETE FROM opt_outs WHERE phone = $1`, phone)
	}
	return err
}

// OptedOut implements store.MessageLog.
func (d *DB) OptedOut(ctx context.Context, phone string) (_ bool, err error) {
	defer store.Wrap(&err, "postgres: opt-out")
	var n int
	if err := d.pool.QueryRow(ctx, `SELECT count(*) FROM opt_outs WHERE phone = $1`, phone).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}
