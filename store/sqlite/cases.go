package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/seal"
)

const caseColumns = `id, COALESCE(ticket, ''), intake_id, status, channel, filer, lang, relation, name, nik,
	no_nik, desa_code, desa, kecamatan, address, need, description, contact, filed_at, updated_at,
	assigned_to, agency, last_reply, last_reply_at, escalated_at, filer_name, notice, notice_at,
	acted_at, responded_at, closed_at, survey_asked_at, survey_reminded_at, survey_score, survey_answered_at, survey_comment, version`

type scanner interface{ Scan(dest ...any) error }

// millis reads a unix-millisecond column where 0 means "never".
func millis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func scanCase(k *seal.Keyring, row scanner) (domain.Case, error) {
	var c domain.Case
	var filed, updated, replied, escalated, noticed, acted, responded, closed, asked, reminded, answered int64
	err := row.Scan(&c.ID, &c.Ticket, &c.IntakeID, &c.Status, &c.Channel, &c.Filer, &c.Lang,
		&c.Relation, &c.Name, &c.NIK, &c.NoNIK, &c.DesaCode, &c.Desa, &c.Kecamatan, &c.Address,
		&c.Need, &c.Description, &c.Contact, &filed, &updated,
		&c.AssignedTo, &c.Agency, &c.LastReply, &replied, &escalated, &c.FilerName, &c.Notice, &noticed,
		&acted, &responded, &closed, &asked, &reminded, &c.Survey.Score, &answered, &c.Survey.Comment, &c.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	c.FiledAt, c.UpdatedAt = time.UnixMilli(filed).UTC(), time.UnixMilli(updated).UTC()
	c.LastReplyAt, c.EscalatedAt, c.NoticeAt = millis(replied), millis(escalated), millis(noticed)
	c.Service = domain.Service{ActedAt: millis(acted), RespondedAt: millis(responded), ClosedAt: millis(closed)}
	c.Survey.AskedAt, c.Survey.RemindedAt, c.Survey.AnsweredAt = millis(asked), millis(reminded), millis(answered)
	if err != nil {
		return c, err
	}
	return c, openCase(k, &c)
}

// openCase opens a case's sealed fields in place.
func openCase(k *seal.Keyring, c *domain.Case) error {
	if err := k.OpenAll(&c.Name, &c.NIK, &c.Address, &c.Description, &c.FilerName, &c.LastReply, &c.Survey.Comment); err != nil {
		return fmt.Errorf("case %s: %w", c.Ticket, err)
	}
	return nil
}

func queryCases(k *seal.Keyring, ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) ([]domain.Case, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Case
	for rows.Next() {
		c, err := scanCase(k, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// NextCaseID implements store.Cases. The number is never below the highest case id
// nor AUTOINCREMENT's mark of the highest ever used, so that neither cases written
// without it (an import, a restored copy) nor cases removed by hand make a number, and
// so a ticket, come back.
func (d *DB) NextCaseID(ctx context.Context) (_ int64, err error) {
	defer store.Wrap(&err, "sqlite: next case id")
	var id int64
	if err := d.db.QueryRowContext(ctx, `UPDATE case_seq SET n = max(n, (SELECT COALESCE(MAX(id), 0) FROM cases),
		(SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'cases')) + 1
		RETURNING n`).Scan(&id); err != nil {
		return 0, err
	}
	return id, nil
}

// FileCase implements store.Cases.
func (d *DB) FileCase(ctx context.Context, c domain.Case, msgs []domain.OutboxMessage) (_ domain.Case, _ bool, err error) {
	defer store.Wrap(&err, "sqlite: file case")
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return domain.Case{}, false, err
	}
	defer tx.Rollback()

	existing, err := scanCase(d.keys, tx.QueryRowContext(ctx,
		`SELECT `+caseColumns+` FROM cases WHERE intake_id = ?`, c.IntakeID))
	if err == nil {
		return existing, false, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return domain.Case{}, false, err
	}
	at := c.FiledAt.UnixMilli()
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO cases (id, ticket, intake_id, status, channel, filer, lang, relation, name, nik, no_nik,
			desa_code, desa, kecamatan, address, need, description, contact, filed_at, updated_at, filer_name, notice, notice_at, nik_index)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Ticket, c.IntakeID, c.Status, c.Channel, c.Filer, c.Lang, c.Relation, d.keys.Seal(c.Name), d.keys.Seal(c.NIK), c.NoNIK,
		c.DesaCode, c.Desa, c.Kecamatan, d.keys.Seal(c.Address), c.Need, d.keys.Seal(c.Description), c.Contact, at, at,
		d.keys.Seal(c.FilerName), c.Notice, toMillis(c.NoticeAt), d.keys.Index(c.NIK)); err != nil {
		return domain.Case{}, false, err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO case_events (case_id, at, actor, kind, to_status) VALUES (?, ?, ?, 'filed', ?)`,
		c.ID, at, c.Filer, c.Status); err != nil {
		return domain.Case{}, false, err
	}
	c.FiledAt, c.UpdatedAt = time.UnixMilli(at).UTC(), time.UnixMilli(at).UTC()
	c.NoticeAt = millis(toMillis(c.NoticeAt))
	if err := enqueue(d.keys, ctx, tx, msgs, c.FiledAt); err != nil {
		return domain.Case{}, false, err
	}
	if err := tx.Commit(); err != nil {
		return domain.Case{}, false, err
	}
	return c, true, nil
}

// CaseByTicket implements store.Cases.
func (d *DB) CaseByTicket(ctx context.Context, ticket string) (_ domain.Case, err error) {
	defer store.Wrap(&err, "sqlite: case by ticket")
	c, err := scanCase(d.keys, d.db.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE ticket = ?`, ticket))
	return c, err
}

// CasesByFiler implements store.Cases.
func (d *DB) CasesByFiler(ctx context.Context, filer string, limit int) (_ []domain.Case, err error) {
	defer store.Wrap(&err, "sqlite: cases by filer")
	cases, err := queryCases(d.keys, ctx, d.db, `SELECT `+caseColumns+` FROM cases WHERE filer = ? ORDER BY id DESC LIMIT ?`, filer, limit)
	if err != nil {
		return nil, err
	}
	return cases, nil
}

// OpenCases implements store.Cases.
func (d *DB) OpenCases(ctx context.Context, kecamatan []string, beforeID int64, limit int) (_ []domain.Case, err error) {
	defer store.Wrap(&err, "sqlite: open cases")
	if beforeID <= 0 {
		beforeID = 1 << 62
	}
	query := `SELECT ` + caseColumns + ` FROM cases WHERE ` + store.OpenSQL + ` AND id < ?`
	args := []any{beforeID}
	if kecamatan != nil {
		if len(kecamatan) == 0 {
			return nil, nil
		}
		query += ` AND kecamatan IN (?` + strings.Repeat(", ?", len(kecamatan)-1) + `)`
		for _, k := range kecamatan {
			args = append(args, k)
		}
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	cases, err := queryCases(d.keys, ctx, d.db, query, args...)
	if err != nil {
		return nil, err
	}
	return cases, nil
}

// LatestRepliedCase implements store.Cases.
func (d *DB) LatestRepliedCase(ctx context.Context, filer string, since time.Time) (_ domain.Case, err error) {
	defer store.Wrap(&err, "sqlite: latest replied case")
	c, err := scanCase(d.keys, d.db.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases
		WHERE filer = ? AND `+store.OpenSQL+` AND last_reply_at >= ? AND last_reply_at > 0
		ORDER BY last_reply_at DESC LIMIT 1`, filer, since.UnixMilli()))
	return c, err
}

// UpdateCase implements store.Cases: the row is written only at the version read.
func (d *DB) UpdateCase(ctx context.Context, read domain.Case, u domain.CaseUpdate, at time.Time) (_ domain.Case, err error) {
	defer store.Wrap(&err, "sqlite: update case")
	at = store.Stamp(at)
	c := u.Apply(read, at)
	c.Version++
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return read, err
	}
	defer tx.Rollback()
	sv, sr := c.Service, c.Survey
	res, err := tx.ExecContext(ctx, `UPDATE cases SET status = ?, assigned_to = ?, agency = ?, last_reply = ?,
		last_reply_at = ?, updated_at = ?, acted_at = ?, responded_at = ?, closed_at = ?,
		survey_asked_at = ?, survey_score = ?, survey_answered_at = ?, survey_comment = ?,
		survey_reminded_at = ?, escalated_at = ?, version = version + 1
		WHERE id = ? AND version = ?`,
		c.Status, c.AssignedTo, c.Agency, d.keys.Seal(c.LastReply), toMillis(c.LastReplyAt), c.UpdatedAt.UnixMilli(),
		toMillis(sv.ActedAt), toMillis(sv.RespondedAt), toMillis(sv.ClosedAt),
		toMillis(sr.AskedAt), sr.Score, toMillis(sr.AnsweredAt), d.keys.Seal(sr.Comment),
		toMillis(sr.RemindedAt), toMillis(c.EscalatedAt), c.ID, read.Version)
	if err != nil {
		return read, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err == nil {
			err = store.ErrConflict
		}
		return read, err
	}
	if err := insertEvents(d.keys, ctx, tx, c.ID, u.Events, at); err != nil {
		return read, err
	}
	if err := enqueue(d.keys, ctx, tx, u.Messages, at); err != nil {
		return read, err
	}
	if err := tx.Commit(); err != nil {
		return read, err
	}
	return c, nil
}

func insertEvents(k *seal.Keyring, ctx context.Context, tx *sql.Tx, caseID int64, events []domain.Event, at time.Time) error {
	for _, e := range events {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_events (case_id, at, actor, kind, from_status, to_status, note)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, caseID, at.UnixMilli(), e.Actor, e.Kind, e.From, e.To, k.Seal(e.Note)); err != nil {
			return err
		}
	}
	return nil
}

// Unescalated implements store.Cases.
func (d *DB) Unescalated(ctx context.Context, filedBefore time.Time, limit int) (_ []domain.Case, err error) {
	defer store.Wrap(&err, "sqlite: unescalated")
	return queryCases(d.keys, ctx, d.db, `SELECT `+caseColumns+` FROM cases WHERE status = '`+string(domain.StatusNew)+`'
		AND assigned_to = '' AND escalated_at = 0 AND filed_at < ? ORDER BY id LIMIT ?`, filedBefore.UnixMilli(), limit)
}

// Events implements store.Cases.
func (d *DB) Events(ctx context.Context, caseID int64) (_ []domain.Event, err error) {
	defer store.Wrap(&err, "sqlite: events")
	rows, err := d.db.QueryContext(ctx, `
		SELECT id, case_id, at, actor, kind, from_status, to_status, note
		FROM case_events WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Event
	for rows.Next() {
		var e domain.Event
		var at int64
		if err := rows.Scan(&e.ID, &e.CaseID, &at, &e.Actor, &e.Kind, &e.From, &e.To, &e.Note); err != nil {
			return nil, err
		}
		var err error
		if e.Note, err = d.keys.Open(e.Note); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// CountCasesByNIK implements store.Cases.
func (d *DB) CountCasesByNIK(ctx context.Context, nik string, exceptID int64) (_ int, err error) {
	defer store.Wrap(&err, "sqlite: cases by nik")
	var n int
	where, args := d.nikWhere(nik)
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM cases WHERE `+where+` AND id <> ?`, append(args, exceptID)...).Scan(&n); err != nil {
		return 0, err
	}
	return n, nil
}

// nikWhere selects the cases of a NIK: sealed NIKs differ every time they are stored,
// so they are found by their blind index under every key held (cases not yet re-sealed
// after a change of key too); a NIK stored before sealing, by itself.
func (d *DB) nikWhere(nik string) (string, []any) {
	if nik == "" {
		return "0", nil
	}
	where, args := "nik = ?", []any{nik}
	for _, ix := range d.keys.Indexes(nik) {
		where, args = where+" OR nik_index = ?", append(args, ix)
	}
	return "(" + where + ")", args
}
