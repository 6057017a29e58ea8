package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// Purge implements store.Purger, in one transaction.
func (d *DB) Purge(ctx context.Context, p store.PurgePolicy) (_ store.PurgeCount, err error) {
	defer store.Wrap(&err, "postgres: purge")
	var n store.PurgeCount
	err = pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		exec := func(count *int, q string, args ...any) error {
			tag, err := tx.Exec(ctx, q, args...)
			if count != nil {
				*count += int(tag.RowsAffected())
			}
			return err
		}
		// The one change the event trail lets through besides a re-seal: a note blanked.
		if err := exec(nil, `SET LOCAL silakso.purge = 'on'`); err != nil {
			return err
		}
		if !p.Messages.IsZero() {
			if err := exec(&n.Messages, `DELETE FROM messages WHERE updated_at < $1`, p.Messages); err != nil {
				return err
			}
			if err := exec(&n.Messages, `DELETE FROM outbox WHERE state IN ('sent', 'failed') AND updated_at < $1`, p.Messages); err != nil {
				return err
			}
		}
		if !p.Forwarded.IsZero() {
			if err := exec(&n.Forwarded, `UPDATE case_events SET note = '' WHERE kind = 'resident_message' AND note <> '' AND at < $1`, p.Forwarded); err != nil {
				return err
			}
			if err := exec(&n.Forwarded, `UPDATE cases SET survey_comment = '', version = version + 1 WHERE survey_comment <> '' AND survey_answered_at < $1`, p.Forwarded); err != nil {
				return err
			}
		}
		if !p.Closed.IsZero() {
			closed := `SELECT id FROM cases WHERE ` + store.ClosedSQL + ` AND updated_at < $1
				AND (name <> '' OR nik <> '' OR filer <> '' OR contact <> '' OR description <> '' OR survey_comment <> '')`
			if err := exec(nil, anonymiseEvents+` WHERE case_id IN (`+closed+`)`, p.Closed); err != nil {
				return err
			}
			if err := exec(nil, `DELETE FROM outbox WHERE state IN ('sent', 'failed') AND case_id IN (`+closed+`)`, p.Closed); err != nil {
				return err
			}
			if err := exec(&n.Cases, anonymiseCases+` WHERE id IN (`+closed+`)`, p.Closed); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return store.PurgeCount{}, err
	}
	return n, nil
}

// CasesByNIK implements store.Subjects.
func (d *DB) CasesByNIK(ctx context.Context, nik string, limit int) (_ []domain.Case, err error) {
	defer store.Wrap(&err, "postgres: cases by nik")
	rows, err := d.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE `+nikWhere+` ORDER BY id DESC LIMIT $3`,
		nik, d.keys.Indexes(nik), limit)
	if err != nil {
		return nil, err
	}
	cases, err := collectCases(d.keys, rows)
	if err != nil {
		return nil, err
	}
	return cases, nil
}

// EraseCase implements store.Subjects.
func (d *DB) EraseCase(ctx context.Context, ticket string) (err error) {
	defer store.Wrap(&err, "postgres: erase")
	err = pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		c, err := scanCase(d.keys, tx.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE ticket = $1 FOR UPDATE`, ticket))
		if err != nil {
			return err
		}
		if c.Open() {
			return store.ErrCaseOpen
		}
		for _, st := range []struct {
			q    string
			args []any
		}{
			{`SET LOCAL silakso.purge = 'on'`, nil},
			{anonymiseEvents + ` WHERE case_id = $1`, []any{c.ID}},
			{`DELETE FROM outbox WHERE state IN ('sent', 'failed') AND case_id = $1`, []any{c.ID}},
			{anonymiseCases + ` WHERE id = $1`, []any{c.ID}},
		} {
			if _, err := tx.Exec(ctx, st.q, st.args...); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// anonymiseEvents blanks a case's notes and the resident's number where it is the
// actor (officers' numbers stay: who did what is the office's to account for); it runs
// before anonymiseCases, which blanks the number it compares with.
const anonymiseEvents = `UPDATE case_events SET note = '',
	actor = CASE WHEN actor = (SELECT filer FROM cases WHERE cases.id = case_events.case_id) THEN '' ELSE actor END`

// anonymiseCases blanks a case's personal fields and the number in its intake id.
const anonymiseCases = `UPDATE cases SET name = '', nik = '', nik_index = '', address = '', description = '',
	filer_name = '', filer = '', contact = '', last_reply = '', survey_comment = '', intake_id = 'erased/' || id,
	version = version + 1`
