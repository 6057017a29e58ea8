package smsgatetest

import (
	"context"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
)

// TestState is the conformance suite of smsgate.State; open returns an empty state.
func TestState(t *testing.T, open func(t *testing.T) smsgate.State) {
	ctx := context.Background()
	at := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	t.Run("last heard only moves forward", func(t *testing.T) {
		s := open(t)
		if last, err := s.LastHeard(ctx); err != nil || !last.IsZero() {
			t.Fatalf("never heard: %v, %v", last, err)
		}
		must(t, s.Heard(ctx, at.Add(time.Minute)))
		must(t, s.Heard(ctx, at)) // a report that came late
		if last, err := s.LastHeard(ctx); err != nil || !last.Equal(at.Add(time.Minute)) {
			t.Fatalf("last heard %v, %v; want %v", last, err, at.Add(time.Minute))
		}
	})

	t.Run("one alert per silence", func(t *testing.T) {
		s := open(t)
		for _, since := range []time.Time{{}, at} {
			first, err := s.ClaimAlert(ctx, since)
			must(t, err)
			again, err := s.ClaimAlert(ctx, since)
			must(t, err)
			if !first || again {
				t.Fatalf("silence since %v claimed %v then %v; want true then false", since, first, again)
			}
		}
		if next, _ := s.ClaimAlert(ctx, at.Add(time.Hour)); !next {
			t.Fatal("a new silence was not claimed")
		}
	})

	t.Run("delivered parts are counted once each", func(t *testing.T) {
		s := open(t)
		must(t, s.NoteParts(ctx, "m1", 2))
		n, parts, err := s.PartDelivered(ctx, "m1", "ev-a")
		must(t, err)
		if n != 1 || parts != 2 {
			t.Fatalf("first part: %d of %d", n, parts)
		}
		if n, _, _ := s.PartDelivered(ctx, "m1", "ev-a"); n != 1 {
			t.Fatalf("the same report again counted: %d", n)
		}
		if n, parts, _ := s.PartDelivered(ctx, "m1", "ev-b"); n != 2 || parts != 2 {
			t.Fatalf("second part: %d of %d", n, parts)
		}
		if n, parts, _ := s.PartDelivered(ctx, "m2", "ev-c"); n != 1 || parts != 0 {
			t.Fatalf("a message whose parts are unknown: %d of %d", n, parts)
		}
	})
}
