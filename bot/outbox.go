package bot

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"golang.org/x/time/rate"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/store"
)

// OutboxWorker delivers queued pushes through the Sender of each message's channel.
//
// Delivery is at least once. A worker leases the messages it claims; a send that fails
// with a retryable error is tried again later with exponential backoff and jitter; a
// permanent error (opted out, invalid number) or too many attempts fails the message
// for good. If a worker dies between sending and recording the result, its lease runs
// out and another worker sends the message again: a resident may, rarely, get a push
// twice, but never misses one.
type OutboxWorker struct {
	Outbox  store.Outbox
	Senders map[string]channels.Sender
	// Fallback, if set, sends messages for channels without a Sender (silakso chat
	// prints every push, whatever channel the recipient uses).
	Fallback channels.Sender
	// OptedOut, if set, stops pushes to residents who asked for no more messages.
	OptedOut func(ctx context.Context, phone string) (bool, error)
	// Owner names this worker in leases; unique per worker.
	Owner string
	// Lease is how long a claimed message is this worker's (default 60 s).
	Lease time.Duration
	// Batch is how many messages are claimed at once (default 20).
	Batch int
	// MaxAttempts before a message fails for good (default 8).
	MaxAttempts int
	// Backoff is the first retry delay, doubled each attempt up to MaxBackoff
	// (defaults 5 s and 30 min).
	Backoff, MaxBackoff time.Duration
	// Limiters cap sends per channel (nil: no cap).
	Limiters map[string]*rate.Limiter
	Now      func() time.Time
	Log      *slog.Logger

	wake chan struct{}
}

func (w *OutboxWorker) defaults() {
	if w.Lease == 0 {
		w.Lease = time.Minute
	}
	if w.Batch == 0 {
		w.Batch = 20
	}
	if w.MaxAttempts == 0 {
		w.MaxAttempts = 8
	}
	if w.Backoff == 0 {
		w.Backoff = 5 * time.Second
	}
	if w.MaxBackoff == 0 {
		w.MaxBackoff = 30 * time.Minute
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
	if w.wake == nil {
		w.wake = make(chan struct{}, 1)
	}
}

// Wake makes a running worker look for messages now (LISTEN/NOTIFY calls it).
func (w *OutboxWorker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done, looking for due messages when woken and at least
// every poll.
func (w *OutboxWorker) Run(ctx context.Context, poll time.Duration) {
	w.defaults()
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.Log.Error("outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
	}
}

// RunOnce delivers every message due now and returns how many it handled.
func (w *OutboxWorker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	total := 0
	for {
		msgs, err := w.Outbox.Claim(ctx, w.Owner, w.Batch, w.Lease, w.Now())
		if err != nil {
			return total, err
		}
		for _, m := range msgs {
			if err := w.deliver(ctx, m); err != nil {
				return total, err
			}
			total++
		}
		if len(msgs) < w.Batch {
			return total, nil
		}
	}
}

// deliver sends one claimed message and records the outcome. It returns an error only
// when the outcome could not be recorded (the lease will then bring the message back).
func (w *OutboxWorker) deliver(ctx context.Context, m store.OutboxMessage) error {
	record := func(err error) error {
		if errors.Is(err, store.ErrLockLost) {
			w.Log.Warn("outbox lease lost; another worker has the message", "id", m.ID)
			return nil
		}
		return err
	}
	if w.OptedOut != nil {
		stopped, err := w.OptedOut(ctx, m.To)
		if err != nil {
			return err
		}
		if stopped {
			return record(w.Outbox.Failed(ctx, m.ID, w.Owner, "recipient opted out", w.Now()))
		}
	}
	sender, ok := w.Senders[m.Channel]
	if !ok {
		sender = w.Fallback
	}
	if sender == nil {
		return record(w.Outbox.Failed(ctx, m.ID, w.Owner, "no sender for channel "+m.Channel, w.Now()))
	}
	if l := w.Limiters[m.Channel]; l != nil {
		if err := l.Wait(ctx); err != nil {
			return err
		}
	}
	sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	receipt, err := sender.Send(sendCtx, channels.Outbound{Channel: m.Channel, To: m.To, Text: m.Text})
	cancel()
	now := w.Now()
	switch {
	case err == nil:
		return record(w.Outbox.Sent(ctx, m.ID, w.Owner, receipt.ProviderID, now))
	case channels.IsPermanent(err) || m.Attempts >= w.MaxAttempts:
		w.Log.Warn("push failed for good", "id", m.ID, "channel", m.Channel, "to", channels.MaskPhone(m.To), "attempts", m.Attempts, "err", err)
		return record(w.Outbox.Failed(ctx, m.ID, w.Owner, err.Error(), now))
	default:
		return record(w.Outbox.Retry(ctx, m.ID, w.Owner, now.Add(w.backoff(m.Attempts)), err.Error(), now))
	}
}

// backoff is the wait before attempt n+1: Backoff * 2^(n-1), capped, with full jitter
// in its upper half so that many failed pushes do not retry in step.
func (w *OutboxWorker) backoff(attempt int) time.Duration {
	d := w.Backoff
	for i := 1; i < attempt && d < w.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}
