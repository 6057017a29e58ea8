package main

import (
	"sync"
	"time"
)

// arrival is one message the fake provider accepted for a resident.
type arrival struct {
	at     time.Time
	ticket bool
}

// inboxes route what the fake provider accepts to the virtual resident it is for, like
// a phone that rings.
type inboxes struct {
	mu    sync.RWMutex
	boxes map[string]chan arrival
}

func newInboxes() *inboxes { return &inboxes{boxes: map[string]chan arrival{}} }

// open gives a resident's phone its inbox.
func (b *inboxes) open(phone string) <-chan arrival {
	ch := make(chan arrival, 64)
	b.mu.Lock()
	b.boxes[phone] = ch
	b.mu.Unlock()
	return ch
}

func (b *inboxes) close(phone string) {
	b.mu.Lock()
	delete(b.boxes, phone)
	b.mu.Unlock()
}

// deliver is the fake provider's hook: it runs when a message is accepted. Messages for
// numbers that are not a resident here (officers' notices) are not waited for.
func (b *inboxes) deliver(to, body string) {
	a := arrival{at: time.Now(), ticket: hasTicket(body)}
	b.mu.RLock()
	ch := b.boxes[to]
	b.mu.RUnlock()
	if ch == nil {
		return
	}
	select {
	case ch <- a:
	default: // a resident who stopped reading; nothing waits for it
	}
}
