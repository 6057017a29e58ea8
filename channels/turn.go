package channels

import (
	"context"
	"log/slog"
	"time"
)

// Replier queues replies for sending; Dispatcher is one.
type Replier interface {
	Enqueue(ctx context.Context, out Outbound) error
}

// Results of a turn, as adapters count them.
const (
	ResultAccepted  = "accepted"
	ResultDuplicate = "duplicate" // the bot had already processed this message id
	ResultFailed    = "failed"
)

// replyDeadline bounds queuing a turn's replies.
const replyDeadline = 5 * time.Second

// RunTurn hands in to h, cut off after timeout, queues the replies on r and returns the
// turn's result. The replies of a failed turn are queued too: the bot has already chosen
// what to tell the resident (try again later). They are queued under a deadline of their
// own, detached from ctx, because the turn's may have run out.
func RunTurn(ctx context.Context, h Handler, r Replier, in Inbound, timeout time.Duration, log *slog.Logger) string {
	tctx, cancel := context.WithTimeout(ctx, timeout)
	replies, err := h.Handle(tctx, in)
	cancel()
	result := ResultAccepted
	switch {
	case err != nil:
		result = ResultFailed
		log.Error("turn failed", "channel", in.Channel, "from", MaskPhone(in.From), "id", in.ID, "err", err)
	case len(replies) == 0:
		result = ResultDuplicate
	}
	qctx, qcancel := context.WithTimeout(context.WithoutCancel(ctx), replyDeadline)
	defer qcancel()
	for _, out := range replies {
		if err := r.Enqueue(qctx, out); err != nil {
			log.Error("reply not queued", "to", MaskPhone(out.To), "err", err)
		}
	}
	return result
}
