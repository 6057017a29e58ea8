// Package storetest is the conformance suite every store implementation runs: the same
// tests against memory and Redis sessions, against SQLite and PostgreSQL cases.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/store"
)

// TestSessions runs the suite; open returns a fresh, empty store for each subtest.
func TestSessions(t *testing.T, open func(t *testing.T) store.Sessions) {
	ctx := context.Background()
	hour := time.Hour

	t.Run("new sender has no session", func(t *testing.T) {
		s := open(t)
		turn := begin(t, s, "+628111", "m1")
		if turn.Session() != nil {
			t.Fatalf("session = %q, want nil", turn.Session())
		}
		turn.Release()
	})

	t.Run("commit saves and next turn loads", func(t *testing.T) {
		s := open(t)
		turn := begin(t, s, "+628111", "m1")
		if err := turn.Commit(ctx, []byte(`{"step":"name"}`), hour); err != nil {
			t.Fatal(err)
		}
		turn = begin(t, s, "+628111", "m2")
		if got := string(turn.Session()); got != `{"step":"name"}` {
			t.Fatalf("session = %q", got)
		}
		turn.Release()
		other := begin(t, s, "+628222", "m3")
		if other.Session() != nil {
			t.Fatalf("another sender sees %q", other.Session())
		}
		other.Release()
	})

	t.Run("nil commit deletes", func(t *testing.T) {
		s := open(t)
		turn := begin(t, s, "+628111", "m1")
		must(t, turn.Commit(ctx, []byte("x"), hour))
		turn = begin(t, s, "+628111", "m2")
		must(t, turn.Commit(ctx, nil, hour))
		turn = begin(t, s, "+628111", "m3")
		if turn.Session() != nil {
			t.Fatalf("deleted session still there: %q", turn.Session())
		}
		turn.Release()
	})

	t.Run("committed message is a duplicate", func(t *testing.T) {
		s := open(t)
		turn := begin(t, s, "+628111", "m1")
		must(t, turn.Commit(ctx, []byte("x"), hour))
		if _, err := s.Begin(ctx, "+628111", "m1"); !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("second Begin of m1: err = %v, want ErrDuplicate", err)
		}
		// The duplicate must not keep the sender locked.
		turn = begin(t, s, "+628111", "m2")
		turn.Release()
	})

	t.Run("released message may be processed again", func(t *testing.T) {
		s := open(t)
		turn := begin(t, s, "+628111", "m1")
		turn.Release()
		turn = begin(t, s, "+628111", "m1")
		turn.Release()
	})

	t.Run("session expires", func(t *testing.T) {
		s := open(t)
		turn := begin(t, s, "+628111", "m1")
		must(t, turn.Commit(ctx, []byte("x"), 50*time.Millisecond))
		deadline := time.Now().Add(10 * time.Second)
		for i := 2; ; i++ {
			turn = begin(t, s, "+628111", fmt.Sprint("m", i))
			gone := turn.Session() == nil
			turn.Release()
			if gone {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("session did not expire")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})

	t.Run("turns of one sender run one at a time", func(t *testing.T) {
		s := open(t)
		const n = 20
		var mu sync.Mutex
		inside, maxInside := 0, 0
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				turn, err := s.Begin(ctx, "+628111", fmt.Sprint("m", i))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				inside++
				maxInside = max(maxInside, inside)
				mu.Unlock()
				// Read-modify-write: lost updates would show in the final count.
				count := len(turn.Session())
				time.Sleep(time.Millisecond)
				mu.Lock()
				inside--
				mu.Unlock()
				if err := turn.Commit(ctx, make([]byte, count+1), hour); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if maxInside != 1 {
			t.Errorf("%d turns ran at once", maxInside)
		}
		turn := begin(t, s, "+628111", "last")
		if got := len(turn.Session()); got != n {
			t.Errorf("session length %d after %d turns: updates were lost", got, n)
		}
		turn.Release()
	})

	t.Run("waiting for a busy sender honours the context", func(t *testing.T) {
		s := open(t)
		turn := begin(t, s, "+628111", "m1")
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, err := s.Begin(short, "+628111", "m2"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Begin on a busy sender: err = %v, want deadline exceeded", err)
		}
		// Other senders are not held up.
		other := begin(t, s, "+628222", "m3")
		other.Release()
		turn.Release()
		turn = begin(t, s, "+628111", "m2")
		turn.Release()
	})
}

func begin(t *testing.T, s store.Sessions, sender, id string) store.Turn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	turn, err := s.Begin(ctx, sender, id)
	if err != nil {
		t.Fatalf("Begin(%s, %s): %v", sender, id, err)
	}
	return turn
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
