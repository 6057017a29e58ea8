package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// whatsappWindow is how long WhatsApp allows free-form replies after a customer writes.
const whatsappWindow = 24 * time.Hour

// Window remembers, for every instance, when each resident last wrote on WhatsApp: one
// key per resident that expires when the 24-hour window closes. It implements
// channels/twilio.WindowStore.
type Window struct {
	rdb    goredis.UniversalClient
	prefix string
}

// NewWindow uses rdb with keys under prefix.
func NewWindow(rdb goredis.UniversalClient, prefix string) *Window {
	return &Window{rdb: rdb, prefix: prefix}
}

func (w *Window) key(phone string) string { return w.prefix + "{" + phone + "}:wa" }

// Touch records a message from phone at at.
func (w *Window) Touch(ctx context.Context, phone string, at time.Time) error {
	ttl := time.Until(at.Add(whatsappWindow))
	if ttl <= 0 {
		return nil
	}
	if err := w.rdb.Set(ctx, w.key(phone), at.UnixMilli(), ttl).Err(); err != nil {
		return fmt.Errorf("redis: whatsapp window: %w", err)
	}
	return nil
}

// Open reports whether phone wrote within the window before now.
func (w *Window) Open(ctx context.Context, phone string, now time.Time) (bool, error) {
	ms, err := w.rdb.Get(ctx, w.key(phone)).Int64()
	if err == goredis.Nil {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("redis: whatsapp window: %w", err)
	}
	return now.Sub(time.UnixMilli(ms)) < whatsappWindow, nil
}

// Ping checks Redis answers (readiness).
func (s *Sessions) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

// Window returns the WhatsApp window store on the same Redis and prefix.
func (s *Sessions) Window() *Window { return NewWindow(s.rdb, s.prefix) }
