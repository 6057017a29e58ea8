package redis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/redis"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

func TestSessions(t *testing.T) {
	storetest.TestSessions(t, func(t *testing.T, opts store.SessionOptions) store.Sessions {
		rdb, prefix := storetest.Redis(t)
		return redis.NewSessions(rdb, prefix, opts)
	})
}

// An instance that crashes in the middle of a turn holds the sender only until its
// lock expires; its late commit is refused and saves nothing.
func TestCrashedTurnExpires(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	s := redis.NewSessions(rdb, prefix, store.SessionOptions{LockTTL: 200 * time.Millisecond})
	crashed, err := s.Begin(ctx, store.Arrival{Sender: "+628111", MessageID: "m1", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	next, err := s.Begin(wait, store.Arrival{Sender: "+628111", MessageID: "m2", At: time.Now()})
	if err != nil {
		t.Fatalf("turn after a crashed one: %v", err)
	}
	if err := crashed.Commit(ctx, []byte("late"), time.Hour); !errors.Is(err, store.ErrLockLost) {
		t.Fatalf("late commit: err = %v, want ErrLockLost", err)
	}
	if err := next.Commit(ctx, []byte("next"), time.Hour); err != nil {
		t.Fatal(err)
	}
	// The crashed turn's message was never marked processed, so its retry is handled.
	again, err := s.Begin(ctx, store.Arrival{Sender: "+628111", MessageID: "m1", At: time.Now()})
	if err != nil {
		t.Fatalf("retry of the crashed message: %v", err)
	}
	if string(again.Session()) != "next" {
		t.Fatalf("session %q, want the surviving turn's", again.Session())
	}
	again.Release()
}

// Deployments sharing one Redis under different prefixes do not see each other.
func TestPrefixesAreSeparate(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	a := redis.NewSessions(rdb, prefix+"a:", store.SessionOptions{})
	b := redis.NewSessions(rdb, prefix+"b:", store.SessionOptions{})
	turn, err := a.Begin(ctx, store.Arrival{Sender: "+628111", MessageID: "m1", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := turn.Commit(ctx, []byte("a"), time.Hour); err != nil {
		t.Fatal(err)
	}
	other, err := b.Begin(ctx, store.Arrival{Sender: "+628111", MessageID: "m1", At: time.Now()})
	if err != nil {
		t.Fatalf("other deployment: %v", err)
	}
	defer other.Release()
	if other.Session() != nil {
		t.Fatalf("other deployment sees %q", other.Session())
	}
}

func TestParking(t *testing.T) {
	storetest.TestParking(t, func(t *testing.T) store.Parking {
		rdb, prefix := storetest.Redis(t)
		return redis.NewSessions(rdb, prefix, store.SessionOptions{})
	})
}

// A Redis that restarted has forgotten the scripts: the next turn loads them again.
func TestScriptsLoadedAgainAfterFlush(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	s := redis.NewSessions(rdb, prefix, store.SessionOptions{})
	first, err := s.Begin(ctx, store.Arrival{Sender: "+628111", MessageID: "m1", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Commit(ctx, []byte("s"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	next, err := s.Begin(ctx, store.Arrival{Sender: "+628111", MessageID: "m2", At: time.Now()})
	if err != nil {
		t.Fatalf("turn after the scripts were flushed: %v", err)
	}
	if err := next.Commit(ctx, []byte("t"), time.Hour); err != nil {
		t.Fatalf("commit after the scripts were flushed: %v", err)
	}
}
