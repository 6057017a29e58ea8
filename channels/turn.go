package channels

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Replier queues replies for sending; delivery.Courier is one.
type Replier interface {
	Enqueue(ctx context.Context, out Outbound) error
}

// Results of a turn, as adapters count them.
const (
	ResultAccepted  = "accepted"
	ResultDuplicate = "duplicate" // the bot had already processed this message id
	ResultThrottled = "throttled" // dropped: the sender is over the rate limit
	ResultFailed    = "failed"    // not processed; the provider is to deliver it again
)

// replyDeadline bounds queuing a turn's replies.
const replyDeadline = 5 * time.Second

// RunTurn hands in to h, cut off after timeout, queues the replies on r and returns the
// turn's result. A failed turn's replies (what to tell the sender) are queued only when
// last says no delivery of the message will come again; otherwise the adapter makes the
// provider retry and the retry answers. Replies are queued under a deadline of their
// own, detached from ctx, because the turn's may have run out.
func RunTurn(ctx context.Context, h Handler, r Replier, in Inbound, timeout time.Duration, last bool, log *slog.Logger) string {
	tctx, cancel := context.WithTimeout(ctx, timeout)
	replies, err := h.Handle(tctx, in)
	cancel()
	result := ResultAccepted
	switch {
	case errors.Is(err, ErrDuplicate):
		return ResultDuplicate
	case errors.Is(err, ErrThrottled):
		return ResultThrottled
	case err != nil:
		result = ResultFailed
		log.Error("turn failed", "channel", in.Channel, "from", MaskPhone(in.From), "id", in.ID, "last_delivery", last, "err", err)
		if !last {
			return result
		}
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
