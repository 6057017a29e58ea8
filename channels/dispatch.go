package channels

import (
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Dispatcher sends replies in the background through the Sender of their channel, so
// that a webhook can answer the provider at once. Replies to one recipient keep their
// order (one queue per shard, chosen by recipient); retryable failures are retried with
// exponential backoff and jitter; queues are bounded, so a provider that is down slows
// intake down instead of filling memory.
type Dispatcher struct {
	senders  map[string]Sender
	shards   []chan Outbound
	attempts int
	backoff  time.Duration
	log      *slog.Logger
	wg       sync.WaitGroup
	// OnResult, if set, is told the outcome of every message (for metrics and tests).
	OnResult func(out Outbound, r Receipt, err error)
}

// NewDispatcher starts workers shards and keeps up to depth messages per shard. A
// message is tried attempts times, waiting backoff, 2*backoff, ... (with jitter) between.
func NewDispatcher(senders map[string]Sender, workers, depth, attempts int, backoff time.Duration, log *slog.Logger) *Dispatcher {
	d := &Dispatcher{senders: senders, attempts: attempts, backoff: backoff, log: log}
	for range workers {
		ch := make(chan Outbound, depth)
		d.shards = append(d.shards, ch)
		d.wg.Add(1)
		go d.work(ch)
	}
	return d
}

// ErrNoSender: a reply for a channel nobody can send on.
var ErrNoSender = errors.New("channels: no sender for this channel")

// Enqueue queues out, waiting for room until ctx is done.
func (d *Dispatcher) Enqueue(ctx context.Context, out Outbound) error {
	if _, ok := d.senders[out.Channel]; !ok {
		return ErrNoSender
	}
	h := fnv.New32a()
	h.Write([]byte(out.To))
	select {
	case d.shards[h.Sum32()%uint32(len(d.shards))] <- out:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops taking messages and waits for the queued ones to be sent (or given up).
func (d *Dispatcher) Close() {
	for _, ch := range d.shards {
		close(ch)
	}
	d.wg.Wait()
}

func (d *Dispatcher) work(ch chan Outbound) {
	defer d.wg.Done()
	for out := range ch {
		r, err := d.send(out)
		if err != nil {
			d.log.Error("message not sent", "channel", out.Channel, "to", MaskPhone(out.To), "err", err)
		}
		if d.OnResult != nil {
			d.OnResult(out, r, err)
		}
	}
}

func (d *Dispatcher) send(out Outbound) (Receipt, error) {
	sender := d.senders[out.Channel]
	wait := d.backoff
	var err error
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var r Receipt
		r, err = sender.Send(ctx, out)
		cancel()
		if err == nil || IsPermanent(err) || attempt >= d.attempts {
			return r, err
		}
		time.Sleep(wait/2 + rand.N(wait/2+1))
		wait *= 2
	}
}
