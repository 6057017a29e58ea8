package storetest

import (
	"context"
	"testing"

	"github.com/dinsospmd-bateng/silakso/store"
)

// TestParking runs the suite for parked filings; open returns a fresh store.
func TestParking(t *testing.T, open func(t *testing.T) store.Parking) {
	ctx := context.Background()
	s := open(t)
	if got, err := s.Parked(ctx, 10); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v %v", got, err)
	}
	a, b := Filing("a"), Filing("b")
	must(t, s.Park(ctx, a))
	must(t, s.Park(ctx, b))
	b.Address = "changed"
	must(t, s.Park(ctx, b)) // parking again replaces
	got, err := s.Parked(ctx, 10)
	must(t, err)
	if len(got) != 2 {
		t.Fatalf("%d parked, want 2", len(got))
	}
	for _, f := range got {
		want := a
		if f.IntakeID == "b" {
			want = b
		}
		if !f.FiledAt.Equal(want.FiledAt) {
			t.Fatalf("time %v, want %v", f.FiledAt, want.FiledAt)
		}
		f.FiledAt = want.FiledAt // same instant; the location may differ after a round trip
		if f != want {
			t.Fatalf("parked %+v\nwant %+v", f, want)
		}
	}
	must(t, s.Unpark(ctx, "a"))
	must(t, s.Unpark(ctx, "missing"))
	got, _ = s.Parked(ctx, 10)
	if len(got) != 1 || got[0].IntakeID != "b" {
		t.Fatalf("after unpark: %+v", got)
	}
}
