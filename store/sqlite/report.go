package sqlite

import (
	"context"

	"fmt"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// The report's selection: ? from, ? to (unix milliseconds); forHelp or its opposite is
// added.
var (
	inPeriod   = `filed_at >= ? AND filed_at < ?`
	forHelp    = `need NOT IN (` + store.SQLList(domain.NotForHelp) + `)`
	notForHelp = `need IN (` + store.SQLList(domain.NotForHelp) + `)`
)

// lateSQL: the first response came more than ? ms after filing, or has not come by ?
// (now); its arguments are now, then the limit.
const lateSQL = `(CASE WHEN responded_at = 0 THEN ? ELSE responded_at END) - filed_at > ?`

// tallyKeys are the grouping expressions of each breakdown: key, name, group. The
// month's takes the zone's offset in seconds.
var tallyKeys = map[store.Breakdown]string{
	store.ByMonth:     `strftime('%Y-%m', filed_at / 1000 + ?, 'unixepoch'), '', ''`,
	store.ByKecamatan: `kecamatan, '', ''`,
	store.ByDesa:      `desa_code, desa, kecamatan`,
	store.ByNeed:      `need, '', ''`,
	store.ByChannel:   `channel, '', ''`,
	store.ByRelation:  `relation, '', ''`,
	store.ByStatus:    `status, '', ''`,
	store.ByOfficer:   `assigned_to, '', ''`,
	store.ByOther:     `need, '', ''`,
}

// count counts the rows where cond holds: 0, not NULL, over no rows.
func count(cond string) string { return `COALESCE(sum(CASE WHEN ` + cond + ` THEN 1 ELSE 0 END), 0)` }

// Tally implements store.Reports.
func (d *DB) Tally(ctx context.Context, q store.ReportQuery, by store.Breakdown) (_ []store.Tally, err error) {
	defer store.Wrap(&err, "sqlite: tally")
	keys, ok := tallyKeys[by]
	if !ok {
		return nil, fmt.Errorf("unknown breakdown %q", by)
	}
	scope, order := forHelp, `4 DESC, 1`
	var args []any
	switch by {
	case store.ByOther:
		scope = notForHelp
	case store.ByMonth:
		order = `1`
		zone := q.Zone
		if zone == nil {
			zone = time.UTC
		}
		_, offset := q.From.In(zone).Zone()
		args = append(args, offset)
	}
	args = append(args, q.Now.UnixMilli(), q.LateAfter.Milliseconds(), q.From.UnixMilli(), q.To.UnixMilli())
	rows, err := d.db.QueryContext(ctx, `SELECT `+keys+`, count(*),
		`+count(store.OpenSQL)+`,
		`+count(`status = '`+string(domain.StatusDone)+`'`)+`,
		`+count(`status = '`+string(domain.StatusRejected)+`'`)+`,
		`+count(lateSQL)+`
		FROM cases WHERE `+inPeriod+` AND `+scope+`
		GROUP BY 1, 2, 3 ORDER BY `+order, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Tally
	for rows.Next() {
		var t store.Tally
		if err := rows.Scan(&t.Key, &t.Name, &t.Group, &t.Cases, &t.Open, &t.Done, &t.Rejected, &t.Late); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// spreadSQL computes count, median and 90th percentile (nearest rank: the value at
// rank ceil(n·p)) of a duration in milliseconds over the period's requests for help
// that have it, as store/postgres does with the same definition.
func spreadSQL(end string) string {
	return `WITH x AS (
		SELECT ` + end + ` - filed_at AS d FROM cases
		WHERE ` + inPeriod + ` AND ` + forHelp + ` AND ` + end + ` > 0
	), r AS (
		SELECT d, row_number() OVER (ORDER BY d) AS rn, count(*) OVER () AS n FROM x
	)
	SELECT COALESCE(max(n), 0),
		COALESCE(min(CASE WHEN rn = (n * 50 + 99) / 100 THEN d END), 0),
		COALESCE(min(CASE WHEN rn = (n * 90 + 99) / 100 THEN d END), 0)
	FROM r`
}

// ServiceTimes implements store.Reports.
func (d *DB) ServiceTimes(ctx context.Context, q store.ReportQuery) (_ store.ServiceTimes, err error) {
	defer store.Wrap(&err, "sqlite: service times")
	var st store.ServiceTimes
	for _, m := range []struct {
		col string
		out *store.Spread
	}{{"acted_at", &st.ToAction}, {"responded_at", &st.ToResponse}, {"closed_at", &st.ToClosure}} {
		var median, p90 int64
		if err := d.db.QueryRowContext(ctx, spreadSQL(m.col), q.From.UnixMilli(), q.To.UnixMilli()).Scan(&m.out.N, &median, &p90); err != nil {
			return store.ServiceTimes{}, err
		}
		m.out.Median, m.out.P90 = time.Duration(median)*time.Millisecond, time.Duration(p90)*time.Millisecond
	}
	return st, nil
}

// SurveyTally implements store.Reports.
func (d *DB) SurveyTally(ctx context.Context, q store.ReportQuery) (_ store.SurveyTally, err error) {
	defer store.Wrap(&err, "sqlite: survey tally")
	var t store.SurveyTally
	cols := []string{`count(*)`, count(`survey_score > 0`)}
	into := []any{&t.Asked, &t.Answered}
	for s := domain.ScoreMin; s <= domain.ScoreMax; s++ {
		cols = append(cols, count(fmt.Sprintf(`survey_score = %d`, s)))
		into = append(into, &t.Scores[s-domain.ScoreMin])
	}
	err = d.db.QueryRowContext(ctx, `SELECT `+strings.Join(cols, ", ")+`
		FROM cases WHERE `+inPeriod+` AND `+forHelp+` AND survey_asked_at > 0`, q.From.UnixMilli(), q.To.UnixMilli()).
		Scan(into...)
	return t, err
}

// ReportCases implements store.Reports.
func (d *DB) ReportCases(ctx context.Context, q store.ReportQuery, after domain.Case, limit int) (_ []domain.Case, err error) {
	defer store.Wrap(&err, "sqlite: report cases")
	return queryCases(d.keys, ctx, d.db, `SELECT `+caseColumns+` FROM cases WHERE `+inPeriod+` AND `+forHelp+`
		AND (filed_at, id) > (?, ?) ORDER BY filed_at, id LIMIT ?`, q.From.UnixMilli(), q.To.UnixMilli(),
		after.FiledAt.UnixMilli(), after.ID, limit)
}

// LateCases implements store.Reports.
func (d *DB) LateCases(ctx context.Context, kecamatan []string, filedBefore time.Time, limit int) (_ []domain.Case, _ int, err error) {
	defer store.Wrap(&err, "sqlite: late cases")
	if kecamatan != nil && len(kecamatan) == 0 {
		return nil, 0, nil
	}
	where := `WHERE ` + store.OpenSQL + ` AND responded_at = 0 AND filed_at < ?`
	args := []any{filedBefore.UnixMilli()}
	if kecamatan != nil {
		where += ` AND kecamatan IN (?` + strings.Repeat(`, ?`, len(kecamatan)-1) + `)`
		for _, k := range kecamatan {
			args = append(args, k)
		}
	}
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM cases `+where, args...).Scan(&n); err != nil {
		return nil, 0, err
	}
	cases, err := queryCases(d.keys, ctx, d.db, `SELECT `+caseColumns+` FROM cases `+where+` ORDER BY filed_at, id LIMIT ?`,
		append(args, limit)...)
	if err != nil {
		return nil, 0, err
	}
	return cases, n, nil
}

// SurveyToAnswer implements store.Reports.
func (d *DB) SurveyToAnswer(ctx context.Context, filer string, since time.Time) (_ domain.Case, err error) {
	defer store.Wrap(&err, "sqlite: survey to answer")
	c, err := scanCase(d.keys, d.db.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases
		WHERE filer = ? AND survey_score = 0 AND survey_asked_at > 0
			AND max(survey_asked_at, survey_reminded_at) > ?
		ORDER BY max(survey_asked_at, survey_reminded_at) DESC, id DESC LIMIT 1`, filer, since.UnixMilli()))
	return c, err
}

// SurveysToRemind implements store.Reports.
func (d *DB) SurveysToRemind(ctx context.Context, askedBefore, notBefore time.Time, limit int) (_ []domain.Case, err error) {
	defer store.Wrap(&err, "sqlite: surveys to remind")
	return queryCases(d.keys, ctx, d.db, `SELECT `+caseColumns+` FROM cases WHERE survey_score = 0 AND survey_reminded_at = 0
		AND filer <> '' AND filer NOT IN (SELECT phone FROM opt_outs) AND survey_asked_at > 0 AND survey_asked_at < ?
		AND survey_asked_at >= ? ORDER BY survey_asked_at, id LIMIT ?`, askedBefore.UnixMilli(), notBefore.UnixMilli(), limit)
}

// EnqueueOnce implements store.Reports.
func (d *DB) EnqueueOnce(ctx context.Context, job string, msgs []domain.OutboxMessage, at time.Time) (_ bool, err error) {
	defer store.Wrap(&err, "sqlite: enqueue once")
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO jobs_done (name, at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, job, at.UnixMilli())
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if err := enqueue(d.keys, ctx, tx, msgs, at); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	return true, nil
}
