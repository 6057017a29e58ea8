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
	acted_at, responded_at, closed_at, survey_asked_at, survey_reminded_at, survey_score, survey_answered_at, survey_comment`

func scanCase(k *seal.Keyring, row pgx.Row) (domain.Case, error) {
	var c domain.Case
	var replied, escalated, noticed, acted, responded, closed, asked, reminded, answered *time.Time
	err := row.Scan(&c.ID, &c.Ticket, &c.IntakeID, &c.Status, &c.Channel, &c.Filer, &c.Lang,
		&c.Relation, &c.Name, &c.NIK, &c.NoNIK, &c.DesaCode, &c.Desa, &c.Kecamatan, &c.Address,
		&c.Need, &c.Description, &c.Contact, &c.FiledAt, &c.UpdatedAt,
		&c.AssignedTo, &c.Agency, &c.LastReply, &replied, &escalated, &c.FilerName, &c.Notice, &noticed,
		&acted, &responded, &closed, &asked, &reminded, &c.Survey.Score, &answered, &c.Survey.Comment)
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

// FileCase implements store.Cases. The ticket needs the case's sequence number for its
// check digit, so the number is drawn first; a number drawn for a filing that turns out
// to be a repeat is simply not used (tickets may skip, never repeat). notify is asked
// for the messages before the statement that stores them with the case; they are
// stored only if the case is new.
func (d *DB) FileCase(ctx context.Context, f domain.Filing, notify func(domain.Case) []domain.OutboxMessage) (_ domain.Case, _ bool, err error) {
	defer store.Wrap(&err, "postgres: file case")
	var id int64
	if err := d.pool.QueryRow(ctx, `SELECT nextval('case_seq')`).Scan(&id); err != nil {
		return domain.Case{}, false, err
	}
	ticket := domain.NewTicket(f.FiledAt, id)
	c := domain.Case{Filing: f, ID: id, Ticket: ticket, Status: domain.StatusNew}
	c.FiledAt = store.Stamp(f.FiledAt) // what is stored, on either engine
	if !f.NoticeAt.IsZero() {
		c.NoticeAt = store.Stamp(f.NoticeAt)
	}
	c.UpdatedAt = c.FiledAt
	var channel, recipient, body []string
	if notify != nil {
		for _, m := range notify(c) {
			channel, recipient, body = append(channel, m.Channel), append(recipient, m.To), append(body, d.keys.Seal(m.Text))
		}
	}
	k := d.keys
	err = d.pool.QueryRow(ctx, fileCase, id, ticket, f.IntakeID, domain.StatusNew, f.Channel, f.Filer, f.Lang,
		f.Relation, k.Seal(f.Name), k.Seal(f.NIK), f.NoNIK, f.DesaCode, f.Desa, f.Kecamatan, k.Seal(f.Address), f.Need,
		k.Seal(f.Description), f.Contact, c.FiledAt, channel, recipient, body, k.Seal(f.FilerName), f.Notice, nullTime(c.NoticeAt),
		k.Index(f.NIK)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		existing, err := scanCase(d.keys, d.pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE intake_id = $1`, f.IntakeID))
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

// UpdateCase implements store.Cases. Its errors are wrapped where they arise, not with
// store.Wrap: decide's own error goes back as it is, as the contract says.
func (d *DB) UpdateCase(ctx context.Context, ticket string, at time.Time, decide func(domain.Case) (domain.CaseUpdate, error)) (domain.Case, error) {
	at = store.Stamp(at)
	var c domain.Case
	var decideErr error
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		var err error
		c, err = scanCase(d.keys, tx.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE ticket = $1 FOR UPDATE`, ticket))
		if err != nil {
			return err
		}
		u, err := decide(c)
		if err != nil {
			decideErr = err
			return err
		}
		c = u.Apply(c, at)
		sv, sr := c.Service, c.Survey
		if _, err := tx.Exec(ctx, `UPDATE cases SET status = $1, assigned_to = $2, agency = $3, last_reply = $4,
			last_reply_at = $5, updated_at = $6, acted_at = $7, responded_at = $8, closed_at = $9,
			survey_asked_at = $10, survey_score = $11, survey_answered_at = $12, survey_comment = $13 WHERE id = $14`,
			c.Status, c.AssignedTo, c.Agency, d.keys.Seal(c.LastReply), nullTime(c.LastReplyAt), c.UpdatedAt,
			nullTime(sv.ActedAt), nullTime(sv.RespondedAt), nullTime(sv.ClosedAt),
			nullTime(sr.AskedAt), sr.Score, nullTime(sr.AnsweredAt), d.keys.Seal(sr.Comment), c.ID); err != nil {
			return err
		}
		if err := insertEvents(d.keys, ctx, tx, c.ID, u.Events, at); err != nil {
			return err
		}
		return enqueue(d.keys, ctx, tx, u.Messages, at)
	})
	switch {
	case decideErr != nil:
		return c, decideErr
	case errors.Is(err, store.ErrNotFound):
		return c, err
	case err != nil:
		return c, fmt.Errorf("postgres: update case: %w", refused(err))
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

// EscalateUnassigned implements store.Cases. Instances may run it at the same time:
// SKIP LOCKED and the escalated_at mark make each case escalate once.
func (d *DB) EscalateUnassigned(ctx context.Context, filedBefore, now time.Time, notify func(domain.Case) []domain.OutboxMessage) (_ int, err error) {
	defer store.Wrap(&err, "postgres: escalate")
	n, err := d.markEach(ctx, `status = '`+string(domain.StatusNew)+`' AND assigned_to = '' AND escalated_at IS NULL AND filed_at < $1 ORDER BY id`,
		[]any{filedBefore}, func(tx pgx.Tx, c domain.Case) error {
			if _, err := tx.Exec(ctx, `UPDATE cases SET escalated_at = $1 WHERE id = $2`, now, c.ID); err != nil {
				return err
			}
			if err := insertEvents(d.keys, ctx, tx, c.ID, []domain.Event{{Actor: "system", Kind: "escalated"}}, now); err != nil {
				return err
			}
			return enqueue(d.keys, ctx, tx, notify(c), now)
		})
	if err != nil {
		return n, err
	}
	return n, nil
}

// markEach takes the cases matching where (a condition and an ORDER BY over $1...)
// one at a time, each locked in a transaction of its own that mark ends (mark must
// make the case stop matching), skipping cases another instance holds, and returns how
// many it marked.
func (d *DB) markEach(ctx context.Context, where string, args []any, mark func(pgx.Tx, domain.Case) error) (int, error) {
	n := 0
	for {
		found := false
		err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
			c, err := scanCase(d.keys, tx.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE `+where+`
				LIMIT 1 FOR UPDATE SKIP LOCKED`, args...))
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			found = true
			return mark(tx, c)
		})
		if err != nil || !found {
			return n, err
		}
		n++
	}
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
