package bot

import (
	"context"
	"sync"
	"time"

	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
)

// A confirmed intake that could not be filed (the case database was down) is not left
// to the resident alone: its answers stay in the session, so YA again files it, and it
// is also kept here and filed by RetryPendingFilings as soon as the database is back,
// with a push that gives the resident the ticket. Filing is idempotent, so whichever
// comes first wins and the other finds the same case. The list lives in the process:
// if the process dies the session still holds the answers.

// maxPending bounds the list; beyond it, the resident's own retry is the way.
const maxPending = 10000

type pendingFilings struct {
	mu   sync.Mutex
	list map[string]store.Filing
}

func (p *pendingFilings) add(f store.Filing) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.list == nil {
		p.list = map[string]store.Filing{}
	}
	if len(p.list) < maxPending {
		p.list[f.IntakeID] = f
	}
}

func (p *pendingFilings) snapshot() []store.Filing {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]store.Filing, 0, len(p.list))
	for _, f := range p.list {
		out = append(out, f)
	}
	return out
}

func (p *pendingFilings) done(intakeID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.list, intakeID)
}

// RetryPendingFilings files the intakes whose filing failed, and returns how many are
// filed now. A case filed here (not already filed by the resident's own YA) is
// announced to the resident with its ticket, through the outbox.
func (e *Engine) RetryPendingFilings(ctx context.Context) int {
	filed := 0
	for _, f := range e.pending.snapshot() {
		notices := e.newCaseNotices(ctx)
		c, created, err := e.cases.FileCase(ctx, f, func(c store.Case) []store.OutboxMessage {
			return append(notices(c), e.toResident(c, locales.M("intake.later.filed", "Ticket", c.Ticket)))
		})
		if err != nil {
			// Still down; try again next time.
			return filed
		}
		e.pending.done(f.IntakeID)
		filed++
		if created {
			e.metrics.CaseFiled(f.Channel)
			e.log.Info("case filed on retry", "ticket", c.Ticket)
		}
	}
	return filed
}

// RetryFilingsEvery runs RetryPendingFilings until ctx is done.
func (e *Engine) RetryFilingsEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.RetryPendingFilings(ctx)
		}
	}
}
