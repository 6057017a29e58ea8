// Package memory keeps sessions in the process: the zero-set-up default for one
// instance (silakso chat, a small office). Several instances need store/redis.
package memory

import (
	"context"
	"sync"
	"time"

	"github.com/dinsospmd-bateng/silakso/store"
)

// Sessions is an in-process store.Sessions.
type Sessions struct {
	now     func() time.Time
	seenTTL time.Duration

	mu       sync.Mutex
	sessions map[string]entry
	seen     map[string]time.Time
	locks    map[string]*senderLock
	writes   int
}

type entry struct {
	data    []byte
	expires time.Time
}

// senderLock serialises one sender's turns; refs counts holders and waiters so the
// lock can be dropped when nobody needs it and the map does not grow with every sender.
type senderLock struct {
	ch   chan struct{}
	refs int
}

// NewSessions makes an empty store. seenTTL is how long processed message ids are
// remembered for de-duplication; now is the clock (time.Now in production).
func NewSessions(seenTTL time.Duration, now func() time.Time) *Sessions {
	return &Sessions{
		now: now, seenTTL: seenTTL,
		sessions: map[string]entry{}, seen: map[string]time.Time{}, locks: map[string]*senderLock{},
	}
}

// Begin implements store.Sessions.
func (s *Sessions) Begin(ctx context.Context, sender, messageID string) (store.Turn, error) {
	s.mu.Lock()
	l := s.locks[sender]
	if l == nil {
		l = &senderLock{ch: make(chan struct{}, 1)}
		s.locks[sender] = l
	}
	l.refs++
	s.mu.Unlock()

	select {
	case l.ch <- struct{}{}:
	case <-ctx.Done():
		s.unref(sender, l)
		return nil, ctx.Err()
	}
	t := &turn{s: s, sender: sender, messageID: messageID, lock: l}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if exp, ok := s.seen[messageID]; ok && now.Before(exp) {
		t.unlockLocked()
		return nil, store.ErrDuplicate
	}
	if e, ok := s.sessions[sender]; ok && now.Before(e.expires) {
		t.data = e.data
	}
	return t, nil
}

func (s *Sessions) unref(sender string, l *senderLock) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l.refs--
	if l.refs == 0 {
		delete(s.locks, sender)
	}
}

// sweepLocked drops expired sessions and message ids every few thousand writes, so
// memory follows the number of active residents rather than all residents ever seen.
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
}

// Close implements store.Sessions.
func (s *Sessions) Close() error { return nil }

type turn struct {
	s         *Sessions
	sender    string
	messageID string
	lock      *senderLock
	data      []byte
	done      bool
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
		delete(s.sessions, t.sender)
	} else {
		s.sessions[t.sender] = entry{data: append([]byte(nil), session...), expires: now.Add(ttl)}
	}
	if t.messageID != "" {
		s.seen[t.messageID] = now.Add(s.seenTTL)
	}
	s.sweepLocked(now)
	t.unlockLocked()
	return nil
}

func (t *turn) Release() {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	t.unlockLocked()
}

// unlockLocked ends the turn once; s.mu must be held.
func (t *turn) unlockLocked() {
	if t.done {
		return
	}
	t.done = true
	<-t.lock.ch
	t.lock.refs--
	if t.lock.refs == 0 {
		delete(t.s.locks, t.sender)
	}
}
