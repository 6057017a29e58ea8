package smsgate

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// The phone silent for AlertAfter: /readyz says so and supervisors are told once, by
// one of two instances; heard again, it is ok, and a new silence alerts again.
func TestMonitorSilence(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	state := NewMemoryState()
	start := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	clock := start
	var alerts []time.Duration
	var monitors []*Monitor
	for range 2 { // two instances sharing the state
		m := NewMonitor(state, Config{AlertAfter: 30 * time.Minute}, nil, quiet)
		m.now, m.start = func() time.Time { return clock }, start
		m.OnSilent = func(_ context.Context, d time.Duration) { alerts = append(alerts, d) }
		monitors = append(monitors, m)
	}
	round := func() {
		for _, m := range monitors {
			m.Once(ctx)
		}
	}
	clock = start.Add(29 * time.Minute)
	round()
	if r := monitors[0].Report(ctx); r != "ok" || len(alerts) != 0 {
		t.Fatalf("29 minutes, never heard: %s, alerts %v", r, alerts)
	}
	clock = start.Add(31 * time.Minute)
	round()
	round()
	if r := monitors[1].Report(ctx); !strings.Contains(r, "not been heard from since start") {
		t.Fatalf("31 minutes never heard: %s", r)
	}
	if len(alerts) != 1 || alerts[0] != 31*time.Minute {
		t.Fatalf("alerts %v, want one of 31m", alerts)
	}

	state.Heard(ctx, clock)
	round()
	if r := monitors[0].Report(ctx); r != "ok" {
		t.Fatalf("heard just now: %s", r)
	}
	clock = clock.Add(45 * time.Minute)
	round()
	if r := monitors[0].Report(ctx); !strings.Contains(r, "last heard from 45m0s ago") {
		t.Fatalf("report %s", r)
	}
	if len(alerts) != 2 {
		t.Fatalf("a new silence: alerts %v, want two in all", alerts)
	}
}
