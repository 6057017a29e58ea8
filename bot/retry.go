package bot

import (
	"context"
	"errors"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
)

// A confirmed intake that could not be filed (the case database was down) is not left
// to the resident alone: its answers stay in the session, so YA again files it, and it
// is parked in the session store (Redis in production, where every instance sees it)
// and filed by RetryPendingFilings as soon as the database is back, with a push that
// gives the resident the ticket. Filing is idempotent, so whichever comes first wins and
// the others find the same case.

// retryBatch bounds one retry round.
const retryBatch = 100

// RetryPendingFilings files parked intakes and returns how many are filed now. A case
// filed here (not already filed by the resident's own YA) is announced to the resident
// with its ticket, through the outbox. A filing the database refuses as such (it would
// fail every time) is logged and skipped, so it never holds up the others; a database
// that is unreachable ends the round, to be tried again in the next.
func (e *workers) RetryPendingFilings(ctx context.Context) int {
	if e.parking == nil {
		return 0
	}
	parked, err := e.parking.Parked(ctx, retryBatch)
	if err != nil {
		e.log.Error("parked filings unavailable", "err", err)
		return 0
	}
	filed := 0
	for _, sealed := range parked {
		if e.now().Sub(sealed.FiledAt) > e.cfg.SessionTTL {
			// Kept no longer than a conversation (30 days): a database down that long is
			// a disaster the office handles by hand, and the answers are not kept for ever.
			e.log.Error("parked filing dropped after the session lifetime; the resident was never given a ticket",
				"from", channels.MaskPhone(sealed.Filer), "parked_at", sealed.FiledAt)
			if err := e.parking.Unpark(ctx, sealed.IntakeID); err != nil {
				e.log.Error("old parked filing not dropped", "err", err)
			}
			continue
		}
		f, err := openFiling(e.keys, sealed)
		if err != nil {
			// Sealed with a key this instance does not hold: left for one that does.
			e.log.Error("parked filing cannot be opened", "from", channels.MaskPhone(sealed.Filer), "err", err)
			continue
		}
		notices := e.newCaseNotices(ctx)
		c, created, err := e.fileBounded(ctx, f, func(c domain.Case) []domain.OutboxMessage {
			return append(notices(c), e.toResident(c, locales.M("intake.later.filed", "Ticket", c.Ticket)))
		})
		if errors.Is(err, store.ErrInvalid) {
			// It would be refused every round: set aside for an operator, out of the
			// filings tried.
			e.log.Error("parked filing refused by the case database; set aside for an operator",
				"from", channels.MaskPhone(f.Filer), "err", err)
			if aside, ok := e.parking.(store.SetAside); ok {
				if err := aside.SetAside(ctx, f.IntakeID); err != nil {
					e.log.Error("refused filing not set aside", "err", err)
				}
			}
			continue
		}
		if err != nil {
			e.log.Warn("parked filings wait: case database unavailable", "parked", len(parked)-filed, "err", err)
			return filed
		}
		if err := e.parking.Unpark(ctx, f.IntakeID); err != nil {
			e.log.Error("filed intake not unparked; it will be found filed next time", "err", err)
		}
		filed++
		if created {
			e.metrics.CaseFiled(f.Channel)
			e.log.Info("case filed on retry", "ticket", c.Ticket)
		}
	}
	return filed
}

// RetryFilingsEvery runs RetryPendingFilings until ctx is done.
func (e *workers) RetryFilingsEvery(ctx context.Context, every time.Duration) {
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
