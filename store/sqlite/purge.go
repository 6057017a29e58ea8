package sqlite

import (
	"context"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// Purge implements store.Purger, in one transaction.
func (d *DB) Purge(ctx context.Context, p store.PurgePolicy) (_ store.PurgeCount, err error) {
	defer store.Wrap(&err, "sqlite: purge")
	var n store.PurgeCount
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return n, err
	}
	defer tx.Rollback()
	exec := func(count *int, q string, args ...any) error {
		if err != nil {
			return err
		}
		res, e := tx.ExecContext(ctx, q, args...)
		if e != nil {
			err = e
			return err
		}
		if count != nil {
			rows, _ := res.RowsAffected()
			*count += int(rows)
		}
		return nil
	}
	_ = exec(nil, `INSERT INTO maintenance (what) VALUES ('purge')`)
	if !p.Messages.IsZero() {
		_ = exec(&n.Messages, `DELETE FROM messages WHERE updated_at < ?`, p.Messages.UnixMilli())
		_ = exec(&n.Messages, `DELETE FROM outbox WHERE state IN ('sent', 'failed') AND updated_at < ?`, p.Messages.UnixMilli())
	}
	if !p.Forwarded.IsZero() {
		_ = exec(&n.Forwarded, `UPDATE case_events SET note = '' WHERE kind = 'resident_message' AND note <> '' AND at < ?`, p.Forwarded.UnixMilli())
		_ = exec(&n.Forwarded, `UPDATE cases SET survey_comment = '', version = version + 1 WHERE survey_comment <> '' AND survey_answered_at < ?`, p.Forwarded.UnixMilli())
	}
	if !p.Closed.IsZero() {
		closed := `SELECT id FROM cases WHERE ` + store.ClosedSQL + ` AND updated_at < ?
			AND (name <> '' OR nik <> '' OR filer <> '' OR contact <> '' OR description <> '' OR survey_comment <> '')`
		_ = exec(nil, anonymiseEvents+` WHERE case_id IN (`+closed+`)`, p.Closed.UnixMilli())
		_ = exec(nil, `DELETE FROM outbox WHERE state IN ('sent', 'failed') AND case_id IN (`+closed+`)`, p.Closed.UnixMilli())
		_ = exec(&n.Cases, anonymiseCases+` WHERE id IN (`+closed+`)`, p.Closed.UnixMilli())
	}
	_ = exec(nil, `DELETE FROM maintenance WHERE what = 'purge'`)
	if err != nil {
		return store.PurgeCount{}, err
	}
	if err := tx.Commit(); err != nil {
		return store.PurgeCount{}, err
	}
	return n, nil
}

// CasesByNIK implements store.Subjects.
func (d *DB) CasesByNIK(ctx context.Context, nik string, limit int) (_ []domain.Case, err error) {
	defer store.Wrap(&err, "sqlite: cases by nik")
	where, args := d.nikWhere(nik)
	cases, err := queryCases(d.keys, ctx, d.db, `SELECT `+caseColumns+` FROM cases WHERE `+where+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	return cases, nil
}

// EraseCase implements store.Subjects.
func (d *DB) EraseCase(ctx context.Context, ticket string) (err error) {
	defer store.Wrap(&err, "sqlite: erase")
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	c, err := scanCase(d.keys, tx.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE ticket = ?`, ticket))
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
		{`INSERT INTO maintenance (what) VALUES ('purge')`, nil},
		{anonymiseEvents + ` WHERE case_id = ?`, []any{c.ID}},
		{`DELETE FROM outbox WHERE state IN ('sent', 'failed') AND case_id = ?`, []any{c.ID}},
		{anonymiseCases + ` WHERE id = ?`, []any{c.ID}},
		{`DELETE FROM maintenance WHERE what = 'purge'`, nil},
	} {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return err
		}
	}
	return tx.Commit()
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
