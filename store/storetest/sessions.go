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

// OpenSessions returns a fresh, empty store with the given options.
type OpenSessions func(t *testing.T, opts store.SessionOptions) store.Sessions

// TestSessions runs the suite against the stores open makes.
func TestSessions(t *testing.T, openWith OpenSessions) {
	ctx := context.Background()
	hour := time.Hour
	open := func(t *testing.T) store.Sessions { return openWith(t, store.SessionOptions{RateLimit: -1}) }

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
		if _, err := s.Begin(ctx, arrival("+628111", "m1")); !errors.Is(err, store.ErrDuplicate) {
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
				turn, err := s.Begin(ctx, arrival("+628111", fmt.Sprint("m", i)))
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
		if _, err := s.Begin(short, arrival("+628111", "m2")); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Begin on a busy sender: err = %v, want deadline exceeded", err)
		}
		// Other senders are not held up.
		other := begin(t, s, "+628222", "m3")
		other.Release()
		turn.Release()
		turn = begin(t, s, "+628111", "m2")
		turn.Release()
	})
	t.Run("waiting turns run in arrival order", func(t *testing.T) {
		s := open(t)
		const n = 50
		holder := begin(t, s, "+628111", "first")
		base := time.Now()
		var mu sync.Mutex
		var order []int
		var wg sync.WaitGroup
		// Started in reverse so that start order and arrival order disagree.
		for i := n - 1; i >= 0; i-- {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := store.Arrival{Sender: "+628111", MessageID: fmt.Sprint("m", i), At: base.Add(time.Duration(i) * time.Millisecond)}
				turn, err := s.Begin(ctx, a)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				must(t, turn.Commit(ctx, []byte("x"), hour))
			}()
		}
		waitQueued(t, s, "+628111", n+1)
		holder.Release()
		wg.Wait()
		for i, got := range order {
			if got != i {
				t.Fatalf("turn %d ran as number %d; order %v", got, i, order)
			}
		}
		if len(order) != n {
			t.Fatalf("%d of %d turns ran", len(order), n)
		}
		if q, err := s.Queued(ctx, "+628111"); err != nil || q != 0 {
			t.Fatalf("Queued after all turns = %d, %v", q, err)
		}
	})

	t.Run("an earlier arrival does not take over a running turn", func(t *testing.T) {
		s := open(t)
		now := time.Now()
		holder, err := s.Begin(ctx, store.Arrival{Sender: "+628111", MessageID: "late", At: now})
		must(t, err)
		for _, at := range []time.Time{now, now.Add(-time.Second)} {
			short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			_, err := s.Begin(short, store.Arrival{Sender: "+628111", MessageID: "early", At: at})
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Begin while another turn runs: err = %v, want to wait", err)
			}
		}
		holder.Release()
	})

	t.Run("a burst from one sender is answered once, then dropped", func(t *testing.T) {
		s := openWith(t, store.SessionOptions{RateLimit: 5, RateWindow: time.Hour})
		var errs []error
		turn := begin(t, s, "+628111", "m0")
		errs = append(errs, nil)
		must(t, turn.Commit(ctx, []byte("x"), hour))
		// Retries of a processed message do not count.
		for range 10 {
			if _, err := s.Begin(ctx, arrival("+628111", "m0")); !errors.Is(err, store.ErrDuplicate) {
				t.Fatalf("retry of m0: %v", err)
			}
		}
		for i := 1; i < 8; i++ {
			turn, err := s.Begin(ctx, arrival("+628111", fmt.Sprint("m", i)))
			errs = append(errs, err)
			if err == nil {
				must(t, turn.Commit(ctx, []byte("x"), hour))
			}
		}
		want := []error{nil, nil, nil, nil, nil, store.ErrSlowDown, store.ErrThrottled, store.ErrThrottled}
		for i := range want {
			if !errors.Is(errs[i], want[i]) {
				t.Fatalf("message %d: err %v, want %v (all: %v)", i, errs[i], want[i], errs)
			}
		}
		// Nobody else slows down.
		other := begin(t, s, "+628222", "x1")
		other.Release()
	})

	t.Run("copies of a message in flight count once against the limit", func(t *testing.T) {
		// A provider may post one message many times at once; the copies must not
		// make the resident's next messages "too many".
		s := openWith(t, store.SessionOptions{RateLimit: 2, RateWindow: time.Hour})
		holder := begin(t, s, "+628111", "m1")
		for range 20 {
			short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			_, err := s.Begin(short, arrival("+628111", "m1"))
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("copy of m1 while m1 runs: err = %v, want to wait", err)
			}
		}
		must(t, holder.Commit(ctx, []byte("x"), hour))
		turn := begin(t, s, "+628111", "m2")
		must(t, turn.Commit(ctx, []byte("x"), hour))
		if _, err := s.Begin(ctx, arrival("+628111", "m3")); !errors.Is(err, store.ErrSlowDown) {
			t.Fatalf("third message with a limit of 2: err = %v, want ErrSlowDown", err)
		}
	})

	t.Run("waiting turn that gives up leaves the queue", func(t *testing.T) {
		s := open(t)
		holder := begin(t, s, "+628111", "m1")
		short, cancel := context.WithCancel(ctx)
		done := make(chan error)
		go func() {
			_, err := s.Begin(short, arrival("+628111", "m2"))
			done <- err
		}()
		waitQueued(t, s, "+628111", 2)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		waitQueued(t, s, "+628111", 1)
		holder.Release()
		next := begin(t, s, "+628111", "m3")
		next.Release()
	})
}

// waitQueued waits until n turns of sender hold or wait for the lock.
func waitQueued(t *testing.T, s store.Sessions, sender string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		q, err := s.Queued(context.Background(), sender)
		if err != nil {
			t.Fatal(err)
		}
		if q == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d turns queued, want %d", q, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func arrival(sender, id string) store.Arrival {
	return store.Arrival{Sender: sender, MessageID: id, At: time.Now()}
}

func begin(t *testing.T, s store.Sessions, sender, id string) store.Turn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	turn, err := s.Begin(ctx, arrival(sender, id))
	if err != nil {
		t.Fatalf("Begin(%s, %s): %v", sender, id, err)
	}
	return turn
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
