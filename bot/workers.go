package bot

import (
	"context"
	"sync"
	"time"

	"github.com/dinsospmd-bateng/silakso/locales"
)

// workers is the engine's background work, run by silakso serve on a timer and safe to
// run on every instance at once: the escalation of untaken cases and alerts to
// supervisors (escalate.go), the retry of parked filings (retry.go), survey reminders
// (survey.go) and the monthly summary (summary.go).
type workers struct {
	*shared
	// summarySent is the last month whose summary this instance saw sent, so that the
	// rest of the month costs no query.
	summaryMu   sync.Mutex
	summarySent string
}

// The workers' jobs, as silakso serve (and the tests) call them on the engine.

// Escalate sends every case nobody has taken within after to the supervisors, once.
func (e *Engine) Escalate(ctx context.Context, after time.Duration) (int, error) {
	return e.work.Escalate(ctx, after)
}

// AlertSupervisors queues m for every active supervisor and admin (workers.AlertSupervisors).
func (e *Engine) AlertSupervisors(ctx context.Context, m locales.Msg, avoid string) (int, error) {
	return e.work.AlertSupervisors(ctx, m, avoid)
}

// RetryPendingFilings files what was parked while the case database was down.
func (e *Engine) RetryPendingFilings(ctx context.Context) int { return e.work.RetryPendingFilings(ctx) }

// RetryFilingsEvery runs RetryPendingFilings every interval until ctx ends.
func (e *Engine) RetryFilingsEvery(ctx context.Context, every time.Duration) {
	e.work.RetryFilingsEvery(ctx, every)
}

// RemindSurveys asks once more those who have not answered the survey.
func (e *Engine) RemindSurveys(ctx context.Context) (int, error) { return e.work.RemindSurveys(ctx) }

// MonthlySummary queues last month's figures for the supervisors who asked for them.
func (e *Engine) MonthlySummary(ctx context.Context) (bool, error) { return e.work.MonthlySummary(ctx) }
