package store

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// Batcher collects message records and writes them in batches: one transaction per
// batch instead of one per message, which is what keeps per-message bookkeeping off
// the hot path. Records wait at most Every before they are written.
type Batcher struct {
	log     MessageLog
	size    int
	every   time.Duration
	onError func(err error, lost int)

	in   chan domain.MessageRecord
	done chan struct{}
	// stop ends writing: Close's deadline has passed (the database hangs), and what
	// is not written by then is reported lost instead of holding up the shutdown.
	stop    context.Context
	stopNow context.CancelFunc
	// closed is set by Close; mu keeps Add from sending on the closed channel.
	mu     sync.RWMutex
	closed bool
}

// ErrClosed: the batcher was closed; the record was not taken.
var ErrClosed = errors.New("store: batcher closed")

// NewBatcher writes to log in batches of up to size records, at least every every.
// onError is told about a batch that could not be written after retries.
func NewBatcher(log MessageLog, size int, every time.Duration, onError func(err error, lost int)) *Batcher {
	b := &Batcher{
		log: log, size: size, every: every, onError: onError,
		in: make(chan domain.MessageRecord, size*8), done: make(chan struct{}),
	}
	b.stop, b.stopNow = context.WithCancel(context.Background())
	go b.run()
	return b
}

// Add queues a record. It blocks only when the queue is full (the database is far
// behind), up to ctx's deadline, so back-pressure reaches the webhook instead of memory
// growing without bound.
func (b *Batcher) Add(ctx context.Context, r domain.MessageRecord) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	select {
	case b.in <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued, until ctx is done, and stops; what is not written by
// then is reported to onError as lost (records are bookkeeping: a resident's request
// never waits here). A record added later is refused with ErrClosed (a turn that
// outlived the shutdown), never a panic.
func (b *Batcher) Close(ctx context.Context) {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.in)
	}
	b.mu.Unlock()
	select {
	case <-b.done:
	case <-ctx.Done():
		b.stopNow()
		<-b.done
	}
}

func (b *Batcher) run() {
	defer close(b.done)
	batch := make([]domain.MessageRecord, 0, b.size)
	tick := time.NewTicker(b.every)
	defer tick.Stop()
	for {
		select {
		case r, ok := <-b.in:
			if !ok {
				b.flush(batch)
				return
			}
			batch = append(batch, r)
			if len(batch) >= b.size {
				batch = b.flush(batch)
			}
		case <-tick.C:
			batch = b.flush(batch)
		}
	}
}

// flush writes a batch, retrying a few times with a pause: a database that is down for
// a moment costs a delay, not records.
func (b *Batcher) flush(batch []domain.MessageRecord) []domain.MessageRecord {
	if len(batch) > 0 {
		b.write(domain.MergeRecords(batch))
	}
	return batch[:0]
}

// write stores recs. A batch the database refuses (ErrInvalid) is split in halves until
// the refused record is found and dropped alone, so one bad record never costs the
// others.
func (b *Batcher) write(recs []domain.MessageRecord) {
	var err error
	for attempt := range 5 {
		ctx, cancel := context.WithTimeout(b.stop, 10*time.Second)
		err = b.log.RecordMessages(ctx, recs)
		cancel()
		if err == nil {
			return
		}
		if errors.Is(err, ErrInvalid) {
			break
		}
		if !b.pause(time.Duration(attempt+1) * 200 * time.Millisecond) {
			break
		}
	}
	if errors.Is(err, ErrInvalid) && len(recs) > 1 {
		half := len(recs) / 2
		b.write(recs[:half])
		b.write(recs[half:])
		return
	}
	if b.onError != nil {
		b.onError(err, len(recs))
	}
}

// pause waits d; false if Close's deadline passed first.
func (b *Batcher) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-b.stop.Done():
		return false
	}
}
