package store

import (
	"context"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// ReportQuery says which cases a report covers: requests for help filed in
// [From, To), months counted in Zone, and late meaning a first response after
// LateAfter (or none yet at Now).
type ReportQuery struct {
	From, To  time.Time
	Zone      *time.Location
	LateAfter time.Duration
	Now       time.Time
}

// Breakdown names what a Tally groups cases by.
type Breakdown string

// Breakdowns. All but ByOther count requests for help only; ByOther counts the cases
// that are not (questions, data requests) by kind.
const (
	ByMonth     Breakdown = "month"     // Key "2026-10", in the query's zone
	ByKecamatan Breakdown = "kecamatan" // Key the kecamatan
	ByDesa      Breakdown = "desa"      // Key the Kemendagri code, Name the desa, Group its kecamatan
	ByNeed      Breakdown = "need"      // Key the kind of help (catalog key need.<Key>)
	ByChannel   Breakdown = "channel"
	ByRelation  Breakdown = "relation" // who the help is for (catalog key relation.<Key>)
	ByStatus    Breakdown = "status"
	ByOfficer   Breakdown = "officer" // Key the officer's number, "" for cases nobody took
	ByOther     Breakdown = "other"
)

// Breakdowns lists every breakdown a Reports store answers, in report order.
var Breakdowns = []Breakdown{ByMonth, ByKecamatan, ByDesa, ByNeed, ByChannel, ByRelation, ByStatus, ByOfficer, ByOther}

// Tally is one line of a breakdown.
type Tally struct {
	Key   string
	Name  string
	Group string
	// Cases is how many; Open, Done and Rejected split them by status now; Late counts
	// those whose first response came after LateAfter (or has not come).
	Cases, Open, Done, Rejected, Late int
}

// Sum is the counts of every line of a breakdown together (no key): the period's
// totals, since every case has one line of a breakdown.
func Sum(lines []Tally) Tally {
	var t Tally
	for _, l := range lines {
		t.Cases, t.Open, t.Done, t.Rejected, t.Late = t.Cases+l.Cases, t.Open+l.Open, t.Done+l.Done, t.Rejected+l.Rejected, t.Late+l.Late
	}
	return t
}

// Spread is a service time over cases: how many have it, its median and its 90th
// percentile (nearest rank: the value below which at least half, or 90 %, lie).
type Spread struct {
	N           int
	Median, P90 time.Duration
}

// ServiceTimes are the spreads of the time from filing to the first officer action,
// to the first response to the resident, and to closure.
type ServiceTimes struct {
	ToAction, ToResponse, ToClosure Spread
}

// SurveyTally counts the satisfaction surveys of the period's requests for help (by
// filing, like every other figure, so that it agrees with the cases listed): how many
// were asked, how many answered, and how many gave each score (Scores[0] is score 1).
type SurveyTally struct {
	Asked, Answered int
	Scores          [domain.ScoreMax]int
}

// Reports answers the office's figures with queries over the case table, never by
// loading every case.
type Reports interface {
	Tally(ctx context.Context, q ReportQuery, by Breakdown) ([]Tally, error)
	ServiceTimes(ctx context.Context, q ReportQuery) (ServiceTimes, error)
	SurveyTally(ctx context.Context, q ReportQuery) (SurveyTally, error)
	// ReportCases lists up to limit requests for help of the period filed after the
	// case after (by filing time, then id; the zero case: from the start), oldest first:
	// a page of a report's sheet of cases (EachCase reads them all).
	ReportCases(ctx context.Context, q ReportQuery, after domain.Case, limit int) ([]domain.Case, error)
	// LateCases lists open cases nobody has answered yet that were filed before
	// filedBefore, oldest first, in the given kecamatan (nil: all), with their number.
	LateCases(ctx context.Context, kecamatan []string, filedBefore time.Time, limit int) ([]domain.Case, int, error)
	// SurveyToAnswer is the filer's case whose open survey was asked (or reminded) last,
	// after since: the one the resident's latest question was about; ErrNotFound if
	// none.
	SurveyToAnswer(ctx context.Context, filer string, since time.Time) (domain.Case, error)
	// SurveysToRemind lists up to limit open surveys never reminded, asked before
	// askedBefore and not before notBefore (older ones have lapsed), of residents who
	// did not opt out and were not erased, oldest first (RemindSurveys marks them).
	SurveysToRemind(ctx context.Context, askedBefore, notBefore time.Time, limit int) ([]domain.Case, error)
	// EnqueueOnce queues msgs unless a job of that name ran before, in one transaction
	// with the mark that it ran, so that of instances running it together one sends
	// and the others learn it was done (false).
	EnqueueOnce(ctx context.Context, job string, msgs []domain.OutboxMessage, at time.Time) (bool, error)
}

// reportPage is how many cases EachCase reads at a time: a report's memory stays flat
// whatever the period. Pages follow the filing-time index, so each read costs its page,
// not the period (paging by id let PostgreSQL sort the whole period for every page).
const reportPage = 1000

// EachCase calls fn with every request for help of the period, oldest first, a page at
// a time. fn runs between the page reads, never while a query is open, so it may use
// the store (on SQLite's one connection an open read would make it wait on itself).
func EachCase(ctx context.Context, r interface {
	ReportCases(ctx context.Context, q ReportQuery, after domain.Case, limit int) ([]domain.Case, error)
}, q ReportQuery, fn func(domain.Case) error) error {
	var after domain.Case
	for {
		page, err := r.ReportCases(ctx, q, after, reportPage)
		if err != nil {
			return err
		}
		for _, c := range page {
			if err := fn(c); err != nil {
				return err
			}
		}
		if len(page) < reportPage {
			return nil
		}
		after = page[len(page)-1]
	}
}
