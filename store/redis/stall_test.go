package redis_test

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/redis"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// Redis stalls while a turn asks for the sender's lock: the caller gives up after its
// call deadline, and when Redis wakes up and runs the late request, nobody is left
// holding the sender. The resident's next message is taken at once, not after the
// lock's 10 s.
func TestLateLockRequestAfterStall(t *testing.T) {
	ctx := context.Background()
	direct, prefix := storetest.Redis(t)
	proxy := storetest.NewProxy(t, direct.Options().Addr)
	opts := &goredis.Options{Addr: proxy.Addr(), ContextTimeoutEnabled: true}
	viaProxy := goredis.NewClient(opts)
	defer viaProxy.Close()
	short := store.SessionOptions{CallTimeout: 100 * time.Millisecond}
	stalled := redis.NewSessions(viaProxy, prefix, short)
	healthy := redis.NewSessions(direct, prefix, store.SessionOptions{})

	// Warm the connection, so the stalled request is on an open one.
	if _, err := stalled.Queued(ctx, "+628111"); err != nil {
		t.Fatal(err)
	}
	proxy.Stall()
	start := time.Now()
	if _, err := stalled.Begin(ctx, store.Arrival{Sender: "+628111", MessageID: "m1", At: time.Now()}); err == nil {
		t.Fatal("turn begun while Redis was stalled")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a stalled Redis held the caller %v; each call has a 100 ms deadline", d)
	}
	proxy.Resume()

	wait, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	start = time.Now()
	next, err := healthy.Begin(wait, store.Arrival{Sender: "+628111", MessageID: "m2", At: time.Now()})
	if err != nil {
		t.Fatalf("the next message waited for a lock nobody holds: %v", err)
	}
	if err := next.Commit(ctx, []byte("s"), time.Hour); err != nil {
		t.Fatal(err)
	}
	// The message whose turn failed was not marked processed: its retry runs.
	retry, err := healthy.Begin(wait, store.Arrival{Sender: "+628111", MessageID: "m1", At: time.Now()})
	if err != nil {
		t.Fatalf("retry of the message that failed: %v", err)
	}
	retry.Release()
	t.Logf("next turn after the stall began in %v", time.Since(start))
}
