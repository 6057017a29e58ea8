package redis

import (
	"context"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// Whichever Redis runs first, a late request to take the turn or the release of the
// caller who gave up, the turn ends up not held.
func TestGiveUpFencesLateRequest(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	s := NewSessions(rdb, prefix, store.SessionOptions{})
	for _, releaseFirst := range []bool{true, false} {
		sender := "+62811" + map[bool]string{true: "1", false: "2"}[releaseFirst]
		t1 := &turn{s: s, base: s.base(sender), token: newToken(), arrival: store.Arrival{Sender: sender, MessageID: "m1", At: time.Now()}}
		take := func() string {
			res, err := beginScript.Run(ctx, rdb, []string{t1.base + "h", t1.base + "q", t1.base + "s", t1.base + "r"},
				t1.token, time.Now().UnixMicro(), s.opts.LockTTL.Milliseconds(), t1.base, "m1", "1",
				s.opts.RateLimit, s.opts.RateWindow.Milliseconds(), 2000, time.Now().Add(time.Minute).UnixMilli()).Slice()
			if err != nil {
				t.Fatal(err)
			}
			return res[0].(string)
		}
		if releaseFirst {
			t1.giveUp()
			if got := take(); got != "gone" {
				t.Fatalf("late request after the release: %s, want gone", got)
			}
		} else {
			if got := take(); got != "ok" {
				t.Fatalf("request: %s", got)
			}
			t1.giveUp()
		}
		if n, err := s.Queued(ctx, sender); err != nil || n != 0 {
			t.Fatalf("release first = %v: %d turns still holding or waiting (%v)", releaseFirst, n, err)
		}
	}
}

// A request that reaches Redis after its caller's give-up time is refused and leaves
// nothing behind, even without a release.
func TestLateRequestRefused(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	s := NewSessions(rdb, prefix, store.SessionOptions{})
	base := s.base("+628111")
	res, err := beginScript.Run(ctx, rdb, []string{base + "h", base + "q", base + "s", base + "r"},
		newToken(), time.Now().UnixMicro(), s.opts.LockTTL.Milliseconds(), base, "m1", "1",
		s.opts.RateLimit, s.opts.RateWindow.Milliseconds(), 2000, time.Now().Add(-time.Second).UnixMilli()).Slice()
	if err != nil || res[0] != "gone" {
		t.Fatalf("late request: %v %v", res, err)
	}
	if n, _ := s.Queued(ctx, "+628111"); n != 0 {
		t.Fatalf("%d turns holding or waiting after a refused request", n)
	}
}
