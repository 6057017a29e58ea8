package bot

import (
	"context"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// boundedCases gives every call to the case database its own deadline inside the turn:
// a database that hangs fails that one call in time for the turn to park the filing,
// save the session and answer, instead of using up the whole turn. A filing or a change
// of several calls also has one deadline for all of them (fileBounded, changeBounded).
// Listing cases for the background jobs (Unescalated, SurveysToRemind) keeps its
// caller's deadline.
type boundedCases struct {
	store.Cases
	d time.Duration
}

func (b boundedCases) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.d)
}

func (b boundedCases) NextCaseID(ctx context.Context) (int64, error) {
	ctx, cancel := b.bound(ctx)
	defer cancel()
	return b.Cases.NextCaseID(ctx)
}

func (b boundedCases) FileCase(ctx context.Context, c domain.Case, msgs []domain.OutboxMessage) (domain.Case, bool, error) {
	ctx, cancel := b.bound(ctx)
	defer cancel()
	return b.Cases.FileCase(ctx, c, msgs)
}

func (b boundedCases) UpdateCase(ctx context.Context, c domain.Case, u domain.CaseUpdate, at time.Time) (domain.Case, error) {
	ctx, cancel := b.bound(ctx)
	defer cancel()
	return b.Cases.UpdateCase(ctx, c, u, at)
}

func (b boundedCases) OpenCases(ctx context.Context, kecamatan []string, beforeID int64, limit int) ([]domain.Case, error) {
	ctx, cancel := b.bound(ctx)
	defer cancel()
	return b.Cases.OpenCases(ctx, kecamatan, beforeID, limit)
}

func (b boundedCases) LatestRepliedCase(ctx context.Context, filer string, since time.Time) (domain.Case, error) {
	ctx, cancel := b.bound(ctx)
	defer cancel()
	return b.Cases.LatestRepliedCase(ctx, filer, since)
}

func (b boundedCases) CaseByTicket(ctx context.Context, ticket string) (domain.Case, error) {
	ctx, cancel := b.bound(ctx)
	defer cancel()
	return b.Cases.CaseByTicket(ctx, ticket)
}

func (b boundedCases) CasesByFiler(ctx context.Context, filer string, limit int) ([]domain.Case, error) {
	ctx, cancel := b.bound(ctx)
	defer cancel()
	return b.Cases.CasesByFiler(ctx, filer, limit)
}

func (b boundedCases) CountCasesByNIK(ctx context.Context, nik string, exceptID int64) (int, error) {
	ctx, cancel := b.bound(ctx)
	defer cancel()
	return b.Cases.CountCasesByNIK(ctx, nik, exceptID)
}

// boundedOptOuts is OptOuts with a deadline per call.
type boundedOptOuts struct {
	OptOuts
	d time.Duration
}

func (b boundedOptOuts) SetOptOut(ctx context.Context, phone string, stopped bool, at time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.OptOuts.SetOptOut(ctx, phone, stopped, at)
}

func (b boundedOptOuts) OptedOut(ctx context.Context, phone string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.OptOuts.OptedOut(ctx, phone)
}

// boundedReports bounds the report queries a turn makes (a survey answer, TELAT) like
// boundedCases; the background jobs keep their caller's deadline.
type boundedReports struct {
	store.Reports
	d time.Duration
}

func (b boundedReports) SurveyToAnswer(ctx context.Context, filer string, since time.Time) (domain.Case, error) {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.Reports.SurveyToAnswer(ctx, filer, since)
}

func (b boundedReports) LateCases(ctx context.Context, kecamatan []string, filedBefore time.Time, limit int) ([]domain.Case, int, error) {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.Reports.LateCases(ctx, kecamatan, filedBefore, limit)
}

// fileBounded files f (store.File) within one call's deadline: a filing is two calls now (the
// number, then the case), and a database that hangs after the first must still leave
// the turn time to park the filing and answer.
func (e *shared) fileBounded(ctx context.Context, f domain.Filing, notify func(domain.Case) []domain.OutboxMessage) (domain.Case, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.CallTimeout)
	defer cancel()
	return store.File(ctx, e.cases, f, notify)
}

// changeBounded makes one change to a case (store.Change: the read, the decision, the write,
// again after a conflict) within one call's deadline, for the same reason.
func (e *shared) changeBounded(ctx context.Context, ticket string, decide func(domain.Case) (domain.CaseUpdate, error)) (domain.Case, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.CallTimeout)
	defer cancel()
	return store.Change(ctx, e.cases, ticket, e.now(), decide)
}
