package channels_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels"
)

type replyLog struct{ queued []channels.Outbound }

func (r *replyLog) Enqueue(_ context.Context, out channels.Outbound) error {
	r.queued = append(r.queued, out)
	return nil
}

// A turn's result says what happened: processed, a repeat, dropped for the rate limit
// (neither to be delivered again), or failed (to be delivered again, and answered
// only at the last delivery).
func TestRunTurnResults(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	reply := []channels.Outbound{{Channel: "sms", To: "+628111", Text: "ok"}}
	for _, c := range []struct {
		err    error
		last   bool
		result string
		queued int
	}{
		{nil, false, channels.ResultAccepted, 1},
		{channels.ErrDuplicate, false, channels.ResultDuplicate, 0},
		{channels.ErrThrottled, false, channels.ResultThrottled, 0},
		{errors.New("database down"), false, channels.ResultFailed, 0},
		{errors.New("database down"), true, channels.ResultFailed, 1},
	} {
		h := channels.HandlerFunc(func(context.Context, channels.Inbound) ([]channels.Outbound, error) {
			if errors.Is(c.err, channels.ErrDuplicate) || errors.Is(c.err, channels.ErrThrottled) {
				return nil, c.err
			}
			return reply, c.err
		})
		var r replyLog
		got := channels.RunTurn(context.Background(), h, &r, channels.Inbound{Channel: "sms", From: "+628111", ID: "m1"}, time.Second, c.last, quiet)
		if got != c.result || len(r.queued) != c.queued {
			t.Errorf("%v (last %v): %s with %d replies queued, want %s with %d", c.err, c.last, got, len(r.queued), c.result, c.queued)
		}
	}
}
