package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/seal"
)

const caseColumns = `id, COALESCE(ticket, ''), intake_id, status, channel, filer, lang, relation, name, nik,
	no_nik, desa_code, desa, kecamatan, address, need, description, contact, filed_at, updated_at,
	assigned_to, agency, last_reply, last_reply_at, escalated_at, filer_name, notice, notice_at,
	acted_at, responded_at, closed_at, survey_asked_at, survey_reminded_at, survey_score, survey_answered_at, survey_comment, version`

func scanCase(k *seal.Keyring, row pgx.Row) (domain.Case, error) {
	var c domain.Case
	var replied, escalated, noticed, acted, responded, closed, asked, reminded, answered *time.Time
	err := row.Scan(&c.ID, &c.Ticket, &c.IntakeID, &c.Status, &c.Channel, &c.Filer, &c.Lang,
		&c.Relation, &c.Name, &c.NIK, &c.NoNIK, &c.DesaCode, &c.Desa, &c.Kecamatan, &c.Address,
		&c.Need, &c.Description, &c.Contact, &c.FiledAt, &c.UpdatedAt,
		&c.AssignedTo, &c.Agency, &c.LastReply, &replied, &escalated, &c.FilerName, &c.Notice, &noticed,
		&acted, &responded, &closed, &asked, &reminded, &c.Survey.Score, &answered, &c.Survey.Comment, &c.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, store.ErrNotFound
	}
	c.FiledAt, c.UpdatedAt = c.FiledAt.UTC(), c.UpdatedAt.UTC()
	c.LastReplyAt, c.EscalatedAt, c.NoticeAt = utc(replied), utc(escalated), utc(noticed)
	c.Service = domain.Service{ActedAt: utc(acted), RespondedAt: utc(responded), ClosedAt: utc(closed)}
	c.Survey.AskedAt, c.Survey.RemindedAt, c.Survey.AnsweredAt = utc(asked), utc(reminded), utc(answered)
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

func collectCases(k *seal.Keyring, rows pgx.Rows) ([]domain.Case, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Case, error) { return scanCase(k, r) })
}

// fileCase inserts the case, its "filed" event and its messages and wakes the outbox
// workers, in one statement (so one round trip, and atomic without a transaction); on a
// second filing of the same intake it inserts nothing and returns no row. The messages
// are inserted in the order given, so they reach their recipients in that order.
const fileCase = `
WITH c AS (
	INSERT INTO cases (id, ticket, intake_id, status, channel, filer, lang, relation, name, nik, no_nik,
		desa_code, desa, kecamatan, address, need, description, contact, filed_at, updated_at, filer_name, notice, notice_at,
		nik_index)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, $23, $24, $25, $26)
	ON CONFLICT (intake_id) DO NOTHING
	RETURNING id
), e AS (
	INSERT INTO case_events (case_id, at, actor, kind, to_status)
	SELECT id, $19, $6, 'filed', $4 FROM c
), o AS (
	INSERT INTO outbox (channel, recipient, body, case_id, next_at, created_at, updated_at)
	SELECT m.channel, m.recipient, m.body, c.id, $19, $19, $19
	FROM c, unnest($20::text[], $21::text[], $22::text[]) WITH ORDINALITY AS m(channel, recipient, body, n)
	ORDER BY m.n
)
SELECT c.id FROM c, LATERAL (SELECT pg_notify('` + outboxChannel + `', '')) AS wake`

// NextCaseID implements store.Cases.
func (d *DB) NextCaseID(ctx context.Context) (_ int64, err error) {
	defer store.Wrap(&err, "postgres: next case id")
	var id int64
	if err := d.pool.QueryRow(ctx, `SELECT nextval('case_seq')`).Scan(&id); err != nil {
		return 0, err
	}
	return id, nil
}

// FileCase implements store.Cases, in one statement (fileCase).
func (d *DB) FileCase(ctx context.Context, c domain.Case, msgs []domain.OutboxMessage) (_ domain.Case, _ bool, err error) {
	defer store.Wrap(&err, "postgres: file case")
	c.FiledAt, c.UpdatedAt = store.Stamp(c.FiledAt), store.Stamp(c.FiledAt)
	if !c.NoticeAt.IsZero() {
		c.NoticeAt = store.Stamp(c.NoticeAt)
	}
	var channel, recipient, body []string
	for _, m := range msgs {
		channel, recipient, body = append(channel, m.Channel), append(recipient, m.To), append(body, d.keys.Seal(m.Text))
	}
	k := d.keys
	var id int64
	err = d.pool.QueryRow(ctx, fileCase, c.ID, c.Ticket, c.IntakeID, c.Status, c.Channel, c.Filer, c.Lang,
		c.Relation, k.Seal(c.Name), k.Seal(c.NIK), c.NoNIK, c.DesaCode, c.Desa, c.Kecamatan, k.Seal(c.Address), c.Need,
		k.Seal(c.Description), c.Contact, c.FiledAt, channel, recipient, body, k.Seal(c.FilerName), c.Notice, nullTime(c.NoticeAt),
		k.Index(c.NIK)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		existing, err := scanCase(d.keys, d.pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE intake_id = $1`, c.IntakeID))
		if err != nil {
			return domain.Case{}, false, err
		}
		return existing, false, nil
	}
	if err != nil {
		return domain.Case{}, false, refused(err)
	}
	return c, true, nil
}

// CaseByTicket implements store.Cases.
func (d *DB) CaseByTicket(ctx context.Context, ticket string) (_ domain.Case, err error) {
	defer store.Wrap(&err, "postgres: case by ticket")
	c, err := scanCase(d.keys, d.pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE ticket = $1`, ticket))
	return c, err
}

// CasesByFiler implements store.Cases.
func (d *DB) CasesByFiler(ctx context.Context, filer string, limit int) (_ []domain.Case, err error) {
	defer store.Wrap(&err, "postgres: cases by filer")
	rows, err := d.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE filer = $1 ORDER BY id DESC LIMIT $2`, filer, limit)
	if err != nil {
		return nil, err
	}
	cases, err := collectCases(d.keys, rows)
	if err != nil {
		return nil, err
	}
	return cases, nil
}

// OpenCases implements store.Cases.
func (d *DB) OpenCases(ctx context.Context, kecamatan []string, beforeID int64, limit int) (_ []domain.Case, err error) {
	defer store.Wrap(&err, "postgres: open cases")
	if beforeID <= 0 {
		beforeID = 1 << 62
	}
	if kecamatan != nil && len(kecamatan) == 0 {
		return nil, nil
	}
	rows, err := d.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases
		WHERE `+store.OpenSQL+` AND id < $1 AND ($2::text[] IS NULL OR kecamatan = ANY($2))
		ORDER BY id DESC LIMIT $3`, beforeID, kecamatan, limit)
	if err != nil {
		return nil, err
	}
	cases, err := collectCases(d.keys, rows)
	if err != nil {
		return nil, err
	}
	return cases, nil
}

// LatestRepliedCase implements store.Cases.
func (d *DB) LatestRepliedCase(ctx context.Context, filer string, since time.Time) (_ domain.Case, err error) {
	defer store.Wrap(&err, "postgres: latest replied case")
	c, err := scanCase(d.keys, d.pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases
		WHERE filer = $1 AND `+store.OpenSQL+` AND last_reply_at >= $2
		ORDER BY last_reply_at DESC LIMIT 1`, filer, since))
	return c, err
}

// UpdateCase implements store.Cases: the row is written only at the version read.
func (d *DB) UpdateCase(ctx context.Context, read domain.Case, u domain.CaseUpdate, at time.Time) (_ domain.Case, err error) {
	defer store.Wrap(&err, "postgres: update case")
	at = store.Stamp(at)
	c := u.Apply(read, at)
	c.Version++
	err = pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		sv, sr := c.Service, c.Survey
		tag, err := tx.Exec(ctx, `UPDATE cases SET status = $1, assigned_to = $2, agency = $3, last_reply = $4,
			last_reply_at = $5, updated_at = $6, acted_at = $7, responded_at = $8, closed_at = $9,
			survey_asked_at = $10, survey_score = $11, survey_answered_at = $12, survey_comment = $13,
			survey_reminded_at = $14, escalated_at = $15, version = version + 1
			WHERE id = $16 AND version = $17`,
			c.Status, c.AssignedTo, c.Agency, d.keys.Seal(c.LastReply), nullTime(c.LastReplyAt), c.UpdatedAt,
			nullTime(sv.ActedAt), nullTime(sv.RespondedAt), nullTime(sv.ClosedAt),
			nullTime(sr.AskedAt), sr.Score, nullTime(sr.AnsweredAt), d.keys.Seal(sr.Comment),
			nullTime(sr.RemindedAt), nullTime(c.EscalatedAt), c.ID, read.Version)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrConflict
		}
		if err := insertEvents(d.keys, ctx, tx, c.ID, u.Events, at); err != nil {
			return err
		}
		return enqueue(d.keys, ctx, tx, u.Messages, at)
	})
	if err != nil {
		return read, refused(err)
	}
	return c, nil
}

func insertEvents(k *seal.Keyring, ctx context.Context, tx pgx.Tx, caseID int64, events []domain.Event, at time.Time) error {
	for _, e := range events {
		if _, err := tx.Exec(ctx, `INSERT INTO case_events (case_id, at, actor, kind, from_status, to_status, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, caseID, at, e.Actor, e.Kind, e.From, e.To, k.Seal(e.Note)); err != nil {
			return err
		}
	}
	return nil
}

// Unescalated implements store.Cases.
func (d *DB) Unescalated(ctx context.Context, filedBefore time.Time, limit int) (_ []domain.Case, err error) {
	defer store.Wrap(&err, "postgres: unescalated")
	rows, err := d.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE status = '`+string(domain.StatusNew)+`'
		AND assigned_to = '' AND escalated_at IS NULL AND filed_at < $1 ORDER BY id LIMIT $2`, filedBefore, limit)
	if err != nil {
		return nil, err
	}
	return collectCases(d.keys, rows)
}

// Events implements store.Cases.
func (d *DB) Events(ctx context.Context, caseID int64) (_ []domain.Event, err error) {
	defer store.Wrap(&err, "postgres: events")
	rows, err := d.pool.Query(ctx, `
		SELECT id, case_id, at, actor, kind, from_status, to_status, note
		FROM case_events WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return nil, err
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Event, error) {
		var e domain.Event
		err := r.Scan(&e.ID, &e.CaseID, &e.At, &e.Actor, &e.Kind, &e.From, &e.To, &e.Note)
		if err == nil {
			e.Note, err = d.keys.Open(e.Note)
		}
		e.At = e.At.UTC()
		return e, err
	})
	if err != nil {
		return nil, err
	}
	return events, nil
}

// CountCasesByNIK implements store.Cases.
func (d *DB) CountCasesByNIK(ctx context.Context, nik string, exceptID int64) (_ int, err error) {
	defer store.Wrap(&err, "postgres: cases by nik")
	var n int
	if err := d.pool.QueryRow(ctx, `SELECT count(*) FROM cases WHERE `+nikWhere+` AND id <> $3`,
		nik, d.keys.Indexes(nik), exceptID).Scan(&n); err != nil {
		return 0, err
	}
	return n, nil
}

// nikWhere selects the cases of the NIK $1 with blind indexes $2: sealed NIKs differ
// every time they are stored, so they are found by their index under every key held
// (cases not yet re-sealed after a change of key too); a NIK stored before sealing, by
// itself.
const nikWhere = `($1 <> '' AND (nik = $1 OR nik_index = ANY($2::text[])))`

// utc reads a nullable time column (NULL: the zero time).
func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// nullTime stores the zero time as NULL ("never").
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
