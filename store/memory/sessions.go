// Package memory keeps sessions in the process: the zero-set-up default for one
// instance (silakso chat, a small office). Several instances need store/redis.
package memory

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// Sessions is an in-process store.Sessions.
type Sessions struct {
	now  func() time.Time
	opts store.SessionOptions

	mu       sync.Mutex
	sessions map[string]entry
	seen     map[string]time.Time
	queues   map[string]*queue
	rates    map[string]*window
	parked   map[string]domain.Filing
	seq      uint64
	writes   int
}

type entry struct {
	data    []byte
	expires time.Time
}

// queue serialises one sender's turns: one holder, and waiters in arrival order. It is
// dropped when empty so memory follows the senders active right now.
type queue struct {
	waiters []*waiter
}

type waiter struct {
	at      time.Time
	seq     uint64
	ready   chan struct{}
	granted bool
}

type window struct {
	start time.Time
	count int
	// counted holds the message ids counted in this window: copies of one message
	// delivered at once (before the first is processed) count once.
	counted map[string]bool
}

// NewSessions makes an empty store; now is the clock (time.Now in production).
func NewSessions(opts store.SessionOptions, now func() time.Time) *Sessions {
	return &Sessions{
		now: now, opts: opts.WithDefaults(),
		sessions: map[string]entry{}, seen: map[string]time.Time{},
		queues: map[string]*queue{}, rates: map[string]*window{},
	}
}

// Begin implements store.Sessions.
func (s *Sessions) Begin(ctx context.Context, a store.Arrival) (store.Turn, error) {
	s.mu.Lock()
	// A message already processed is dropped at once, without waiting or counting
	// against the rate limit (providers retry webhooks).
	if exp, ok := s.seen[a.MessageID]; ok && s.now().Before(exp) {
		s.mu.Unlock()
		return nil, store.ErrDuplicate
	}
	if err := s.rateLocked(a.Sender, a.MessageID); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	s.seq++
	w := &waiter{at: a.At, seq: s.seq, ready: make(chan struct{})}
	q := s.queues[a.Sender]
	if q == nil {
		// Nobody holds the sender: take the turn at once.
		q = &queue{}
		s.queues[a.Sender] = q
		w.granted = true
	} else {
		i := sort.Search(len(q.waiters), func(i int) bool {
			o := q.waiters[i]
			return o.at.After(a.At) || (o.at.Equal(a.At) && o.seq > w.seq)
		})
		q.waiters = append(q.waiters, nil)
		copy(q.waiters[i+1:], q.waiters[i:])
		q.waiters[i] = w
		s.mu.Unlock()
		select {
		case <-w.ready:
		case <-ctx.Done():
			s.mu.Lock()
			if w.granted {
				s.handOverLocked(a.Sender)
			} else {
				s.removeWaiterLocked(a.Sender, w)
			}
			s.mu.Unlock()
			return nil, ctx.Err()
		}
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	now := s.now()
	if exp, ok := s.seen[a.MessageID]; ok && now.Before(exp) {
		s.handOverLocked(a.Sender)
		return nil, store.ErrDuplicate
	}
	t := &turn{s: s, arrival: a}
	if e, ok := s.sessions[a.Sender]; ok && now.Before(e.expires) {
		t.data = e.data
	}
	return t, nil
}

// rateLocked counts the message against the sender's fixed window, once per message id.
func (s *Sessions) rateLocked(sender, messageID string) error {
	if s.opts.RateLimit < 0 {
		return nil
	}
	now := s.now()
	w := s.rates[sender]
	if w == nil || !now.Before(w.start.Add(s.opts.RateWindow)) {
		w = &window{start: now, counted: map[string]bool{}}
		s.rates[sender] = w
	}
	if messageID != "" {
		if w.counted[messageID] {
			return nil
		}
		w.counted[messageID] = true
	}
	w.count++
	switch {
	case w.count == s.opts.RateLimit+1:
		return store.ErrSlowDown
	case w.count > s.opts.RateLimit+1:
		return store.ErrThrottled
	}
	return nil
}

// handOverLocked ends the current turn of sender and wakes the next waiter.
func (s *Sessions) handOverLocked(sender string) {
	q := s.queues[sender]
	if q == nil {
		return
	}
	if len(q.waiters) == 0 {
		delete(s.queues, sender)
		return
	}
	next := q.waiters[0]
	q.waiters = q.waiters[1:]
	next.granted = true
	close(next.ready)
}

func (s *Sessions) removeWaiterLocked(sender string, w *waiter) {
	q := s.queues[sender]
	for i, o := range q.waiters {
		if o == w {
			q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
			return
		}
	}
}

// Queued implements store.Sessions.
func (s *Sessions) Queued(_ context.Context, sender string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[sender]
	if q == nil {
		return 0, nil
	}
	return 1 + len(q.waiters), nil
}

// sweepLocked drops expired sessions, message ids and rate windows every few thousand
// writes, so memory follows the number of active residents, not all residents ever seen.
func (s *Sessions) sweepLocked(now time.Time) {
	s.writes++
	if s.writes%4096 != 0 {
		return
	}
	for k, e := range s.sessions {
		if !now.Before(e.expires) {
			delete(s.sessions, k)
		}
	}
	for k, exp := range s.seen {
		if !now.Before(exp) {
			delete(s.seen, k)
		}
	}
	for k, w := range s.rates {
		if !now.Before(w.start.Add(s.opts.RateWindow)) {
			delete(s.rates, k)
		}
	}
}

// Close implements store.Sessions.
func (s *Sessions) Close() error { return nil }

type turn struct {
	s       *Sessions
	arrival store.Arrival
	data    []byte
	done    bool
}

func (t *turn) Session() []byte { return t.data }

func (t *turn) Commit(_ context.Context, session []byte, ttl time.Duration) error {
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.done {
		return nil
	}
	now := s.now()
	if session == nil {
		delete(s.sessions, t.arrival.Sender)
	} else {
		s.sessions[t.arrival.Sender] = entry{data: append([]byte(nil), session...), expires: now.Add(ttl)}
	}
	if t.arrival.MessageID != "" {
		s.seen[t.arrival.MessageID] = now.Add(s.opts.DedupeTTL)
	}
	s.sweepLocked(now)
	t.done = true
	s.handOverLocked(t.arrival.Sender)
	return nil
}

func (t *turn) Release() {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	if !t.done {
		t.done = true
		t.s.handOverLocked(t.arrival.Sender)
	}
}
