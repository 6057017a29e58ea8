package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// upsertMessage advances a record: status only forwards (by rank), fields filled once.
const upsertMessage = `
INSERT INTO messages (direction, provider_id, channel, peer, segments, status, status_rank, error_code, error, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (direction, provider_id) DO UPDATE SET
	channel     = CASE WHEN messages.channel = '' THEN excluded.channel ELSE messages.channel END,
	peer        = CASE WHEN messages.peer = '' THEN excluded.peer ELSE messages.peer END,
	segments    = MAX(messages.segments, excluded.segments),
	status      = CASE WHEN excluded.status_rank >= messages.status_rank THEN excluded.status ELSE messages.status END,
	error_code  = CASE WHEN excluded.status_rank >= messages.status_rank AND excluded.error_code <> '' THEN excluded.error_code ELSE messages.error_code END,
	error       = CASE WHEN excluded.status_rank >= messages.status_rank AND excluded.error_code <> '' THEN excluded.error ELSE messages.error END,
	updated_at  = CASE WHEN excluded.status_rank >= messages.status_rank THEN excluded.updated_at ELSE messages.updated_at END,
	status_rank = MAX(messages.status_rank, excluded.status_rank)`

// RecordMessages implements store.MessageLog.
func (d *DB) RecordMessages(ctx context.Context, recs []domain.MessageRecord) (err error) {
	defer store.Wrap(&err, "sqlite: record messages")
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, upsertMessage)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range domain.MergeRecords(recs) {
		if _, err := stmt.ExecContext(ctx, r.Direction, r.ProviderID, r.Channel, r.Peer, r.Segments,
			r.Status, domain.StatusRank(r.Status), r.ErrorCode, r.Error, r.At.UnixMilli()); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return nil
}

// Message implements store.MessageLog.
func (d *DB) Message(ctx context.Context, direction, providerID string) (_ domain.MessageRecord, err error) {
	defer store.Wrap(&err, "sqlite: message")
	r := domain.MessageRecord{Direction: direction, ProviderID: providerID}
	var at int64
	err = d.db.QueryRowContext(ctx, `
		SELECT channel, peer, segments, status, error_code, error, updated_at
		FROM messages WHERE direction = ? AND provider_id = ?`, direction, providerID).
		Scan(&r.Channel, &r.Peer, &r.Segments, &r.Status, &r.ErrorCode, &r.Error, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return r, store.ErrNotFound
	}
	if err != nil {
		return r, err
	}
	r.At = time.UnixMilli(at).UTC()
	return r, nil
}

// SetOptOut implements store.MessageLog.
func (d *DB) SetOptOut(ctx context.Context, phone string, stopped bool, at time.Time) (err error) {
	defer store.Wrap(&err, "sqlite: opt-out")
	if stopped {
		_, err = d.db.ExecContext(ctx, `INSERT INTO opt_outs (phone, at) VALUES (?, ?)
			ON CONFLICT (phone) DO UPDATE SET at = excluded.at`, phone, at.UnixMilli())
	} else {
		_, err = d.db.ExecContext(ctx, `DELETE FROM opt_outs WHERE phone = ?`, phone)
	}
	return err
}

// OptedOut implements store.MessageLog.
func (d *DB) OptedOut(ctx context.Context, phone string) (_ bool, err error) {
	defer store.Wrap(&err, "sqlite: opt-out")
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM opt_outs WHERE phone = ?`, phone).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}
