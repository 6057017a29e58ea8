package smsgate

import (
	"context"
	"sync"
	"time"
)

// MemoryState is an in-process State, for one instance.
type MemoryState struct {
	mu        sync.Mutex
	last      time.Time
	alerted   map[time.Time]bool
	parts     map[string]int
	delivered map[string]map[string]bool
}

// NewMemoryState makes an empty MemoryState.
func NewMemoryState() *MemoryState {
	return &MemoryState{alerted: map[time.Time]bool{}, parts: map[string]int{}, delivered: map[string]map[string]bool{}}
}

// maxTracked bounds the messages whose parts are counted; the oldest reports are long
// in by the time it is reached, so they are simply forgotten.
const maxTracked = 10_000

// Heard implements State.
func (m *MemoryState) Heard(_ context.Context, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if at.After(m.last) {
		m.last = at
	}
	return nil
}

// LastHeard implements State.
func (m *MemoryState) LastHeard(context.Context) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last, nil
}

// ClaimAlert implements State.
func (m *MemoryState) ClaimAlert(_ context.Context, since time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.alerted[since] {
		return false, nil
	}
	clear(m.alerted) // only the current silence matters
	m.alerted[since] = true
	return true, nil
}

// NoteParts implements State.
func (m *MemoryState) NoteParts(_ context.Context, id string, parts int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.parts) >= maxTracked {
		clear(m.parts)
	}
	m.parts[id] = parts
	return nil
}

// PartDelivered implements State.
func (m *MemoryState) PartDelivered(_ context.Context, id, eventID string) (int, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.delivered) >= maxTracked {
		clear(m.delivered)
	}
	if m.delivered[id] == nil {
		m.delivered[id] = map[string]bool{}
	}
	m.delivered[id][eventID] = true
	return len(m.delivered[id]), m.parts[id], nil
}
