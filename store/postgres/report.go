package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// The report's selection: $1 from, $2 to; forHelp or its opposite is added.
var (
	inPeriod   = `filed_at >= $1 AND filed_at < $2`
	forHelp    = `need NOT IN (` + store.SQLList(domain.NotForHelp) + `)`
	notForHelp = `need IN (` + store.SQLList(domain.NotForHelp) + `)`
)

// lateSQL: the first response came more than $4 seconds after filing, or has not come
// by $3 (now).
const lateSQL = `EXTRACT(EPOCH FROM COALESCE(responded_at, $3) - filed_at) > $4`

// tallyKeys are the grouping expressions of each breakdown: key, name, group. $5 is
// the zone's offset in seconds.
var tallyKeys = map[store.Breakdown]string{
	store.ByMonth:     `to_char(filed_at AT TIME ZONE 'UTC' + make_interval(secs => $5), 'YYYY-MM'), '', ''`,
	store.ByKecamatan: `kecamatan, '', ''`,
	store.ByDesa:      `desa_code, desa, kecamatan`,
	store.ByNeed:      `need, '', ''`,
	store.ByChannel:   `channel, '', ''`,
	store.ByRelation:  `relation, '', ''`,
	store.ByStatus:    `status, '', ''`,
	store.ByOfficer:   `assigned_to, '', ''`,
	store.ByOther:     `need, '', ''`,
}

// Tally implements store.Reports.
func (d *DB) Tally(ctx context.Context, q store.ReportQuery, by store.Breakdown) (_ []store.Tally, err error) {
	defer store.Wrap(&err, "postgres: tally")
	keys, ok := tallyKeys[by]
	if !ok {
		return nil, fmt.Errorf("unknown breakdown %q", by)
	}
	scope, order, args := forHelp, `4 DESC, 1`, reportArgs(q)
	switch by {
	case store.ByOther:
		scope = notForHelp
	case store.ByMonth:
		order = `1`
	}
	if by != store.ByMonth {
		args = args[:4] // the zone's offset only groups months
	}
	rows, err := d.pool.Query(ctx, `SELECT `+keys+`, count(*),
		count(*) FILTER (WHERE `+store.OpenSQL+`),
		count(*) FILTER (WHERE status = '`+string(domain.StatusDone)+`'),
		count(*) FILTER (WHERE status = '`+string(domain.StatusRejected)+`'),
		count(*) FILTER (WHERE `+lateSQL+`)
		FROM cases WHERE `+inPeriod+` AND `+scope+`
		GROUP BY 1, 2, 3 ORDER BY `+order, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Tally, error) {
		var t store.Tally
		err := r.Scan(&t.Key, &t.Name, &t.Group, &t.Cases, &t.Open, &t.Done, &t.Rejected, &t.Late)
		return t, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reportArgs are $1 to $5 of every report query.
func reportArgs(q store.ReportQuery) []any {
	zone := q.Zone
	if zone == nil {
		zone = time.UTC
	}
	_, offset := q.From.In(zone).Zone()
	return []any{q.From, q.To, q.Now, q.LateAfter.Seconds(), offset}
}

// spreadSQL computes count, median and 90th percentile (nearest rank: the value at
// rank ceil(n·p)) of a duration in seconds over the period's requests for help that
// have it. The same definition is written for SQLite, which has no percentile
// function.
func spreadSQL(end string) string {
	return `WITH x AS (
		SELECT EXTRACT(EPOCH FROM ` + end + ` - filed_at)::float8 AS d FROM cases
		WHERE ` + inPeriod + ` AND ` + forHelp + ` AND ` + end + ` IS NOT NULL
	), r AS (
		SELECT d, row_number() OVER (ORDER BY d) AS rn, count(*) OVER () AS n FROM x
	)
	SELECT COALESCE(max(n), 0),
		COALESCE(min(d) FILTER (WHERE rn = (n * 50 + 99) / 100), 0),
		COALESCE(min(d) FILTER (WHERE rn = (n * 90 + 99) / 100), 0)
	FROM r`
}

// ServiceTimes implements store.Reports.
func (d *DB) ServiceTimes(ctx context.Context, q store.ReportQuery) (_ store.ServiceTimes, err error) {
	defer store.Wrap(&err, "postgres: service times")
	var st store.ServiceTimes
	for _, m := range []struct {
		col string
		out *store.Spread
	}{{"acted_at", &st.ToAction}, {"responded_at", &st.ToResponse}, {"closed_at", &st.ToClosure}} {
		var median, p90 float64
		if err := d.pool.QueryRow(ctx, spreadSQL(m.col), q.From, q.To).Scan(&m.out.N, &median, &p90); err != nil {
			return store.ServiceTimes{}, err
		}
		m.out.Median, m.out.P90 = seconds(median), seconds(p90)
	}
	return st, nil
}

func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond)
}

// SurveyTally implements store.Reports.
func (d *DB) SurveyTally(ctx context.Context, q store.ReportQuery) (_ store.SurveyTally, err error) {
	defer store.Wrap(&err, "postgres: survey tally")
	var t store.SurveyTally
	err = d.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE survey_score > 0),
		count(*) FILTER (WHERE survey_score = 1), count(*) FILTER (WHERE survey_score = 2),
		count(*) FILTER (WHERE survey_score = 3), count(*) FILTER (WHERE survey_score = 4)
		FROM cases WHERE `+inPeriod+` AND `+forHelp+` AND survey_asked_at IS NOT NULL`, q.From, q.To).
		Scan(&t.Asked, &t.Answered, &t.Scores[0], &t.Scores[1], &t.Scores[2], &t.Scores[3])
	if err != nil {
		return t, err
	}
	return t, nil
}

// ReportCases implements store.Reports.
func (d *DB) ReportCases(ctx context.Context, q store.ReportQuery, after domain.Case, limit int) (_ []domain.Case, err error) {
	defer store.Wrap(&err, "postgres: report cases")
	rows, err := d.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE `+inPeriod+` AND `+forHelp+`
		AND (filed_at, id) > ($3, $4) ORDER BY filed_at, id LIMIT $5`, q.From, q.To, after.FiledAt, after.ID, limit)
	if err != nil {
		return nil, err
	}
	return collectCases(d.keys, rows)
}

// LateCases implements store.Reports.
func (d *DB) LateCases(ctx context.Context, kecamatan []string, filedBefore time.Time, limit int) (_ []domain.Case, _ int, err error) {
	defer store.Wrap(&err, "postgres: late cases")
	if kecamatan != nil && len(kecamatan) == 0 {
		return nil, 0, nil
	}
	where := `WHERE ` + store.OpenSQL + ` AND responded_at IS NULL AND filed_at < $1 AND ($2::text[] IS NULL OR kecamatan = ANY($2))`
	var n int
	if err := d.pool.QueryRow(ctx, `SELECT count(*) FROM cases `+where, filedBefore, kecamatan).Scan(&n); err != nil {
		return nil, 0, err
	}
	rows, err := d.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases `+where+` ORDER BY filed_at, id LIMIT $3`, filedBefore, kecamatan, limit)
	if err != nil {
		return nil, 0, err
	}
	cases, err := collectCases(d.keys, rows)
	if err != nil {
		return nil, 0, err
	}
	return cases, n, nil
}

// SurveyToAnswer implements store.Reports.
func (d *DB) SurveyToAnswer(ctx context.Context, filer string, since time.Time) (_ domain.Case, err error) {
	defer store.Wrap(&err, "postgres: survey to answer")
	c, err := scanCase(d.keys, d.pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases
		WHERE filer = $1 AND survey_score = 0 AND survey_asked_at IS NOT NULL
			AND GREATEST(survey_asked_at, survey_reminded_at) > $2
		ORDER BY GREATEST(survey_asked_at, survey_reminded_at) DESC, id DESC LIMIT 1`, filer, since))
	return c, err
}

// SurveysToRemind implements store.Reports.
func (d *DB) SurveysToRemind(ctx context.Context, askedBefore, notBefore time.Time, limit int) (_ []domain.Case, err error) {
	defer store.Wrap(&err, "postgres: surveys to remind")
	rows, err := d.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE survey_score = 0 AND survey_reminded_at IS NULL
		AND filer <> '' AND filer NOT IN (SELECT phone FROM opt_outs) AND survey_asked_at < $1 AND survey_asked_at >= $2
		ORDER BY survey_asked_at, id LIMIT $3`, askedBefore, notBefore, limit)
	if err != nil {
		return nil, err
	}
	return collectCases(d.keys, rows)
}

// EnqueueOnce implements store.Reports.
func (d *DB) EnqueueOnce(ctx context.Context, job string, msgs []domain.OutboxMessage, at time.Time) (_ bool, err error) {
	defer store.Wrap(&err, "postgres: enqueue once")
	done := false
	err = pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO jobs_done (name, at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, job, at)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		done = true
		return enqueue(d.keys, ctx, tx, msgs, at)
	})
	if err != nil {
		return false, refused(err)
	}
	return done, nil
}
