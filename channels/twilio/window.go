package twilio

import (
	"context"
	"sync"
	"time"
)

// Window is 24 hours: WhatsApp lets a business send free-form messages only within 24
// hours of the customer's last message; after that only approved templates.
const Window = 24 * time.Hour

// WindowStore remembers when each resident last wrote on WhatsApp. Several instances
// share it through Redis (store/redis.Window); one instance can use MemoryWindow.
type WindowStore interface {
	Touch(ctx context.Context, phone string, at time.Time) error
	// Open reports whether the resident wrote within the window before now.
	Open(ctx context.Context, phone string, now time.Time) (bool, error)
}

// MemoryWindow is an in-process WindowStore.
type MemoryWindow struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// NewMemoryWindow makes an empty MemoryWindow.
func NewMemoryWindow() *MemoryWindow { return &MemoryWindow{last: map[string]time.Time{}} }

// Touch implements WindowStore.
func (w *MemoryWindow) Touch(_ context.Context, phone string, at time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.last) > 100_000 {
		// Forget residents whose window has closed anyway.
		for p, t := range w.last {
			if at.Sub(t) > Window {
				delete(w.last, p)
			}
		}
	}
	w.last[phone] = at
	return nil
}

// Open implements WindowStore.
func (w *MemoryWindow) Open(_ context.Context, phone string, now time.Time) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.last[phone]
	return ok && now.Sub(t) < Window, nil
}
