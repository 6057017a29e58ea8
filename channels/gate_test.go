package channels

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestGate(t *testing.T) {
	var g Gate
	if !g.Enter() || g.Closed() {
		t.Fatal("a new gate refused a turn")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := g.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close with a turn in flight past its deadline: %v", err)
	}
	if g.Enter() || !g.Closed() {
		t.Fatal("a closed gate let a turn in")
	}
	select {
	case <-g.Closing():
	default:
		t.Fatal("Closing not closed")
	}
	go func() { time.Sleep(20 * time.Millisecond); g.Leave() }()
	if err := g.Close(context.Background()); err != nil {
		t.Fatalf("Close again, the turn leaving: %v", err)
	}
}
