package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/store/redis"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

func TestWindow(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	w := redis.NewWindow(rdb, prefix)
	now := time.Now()
	if open, err := w.Open(ctx, "+628111", now); err != nil || open {
		t.Fatalf("never wrote: open=%v err=%v", open, err)
	}
	if err := w.Touch(ctx, "+628111", now.Add(-23*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if open, _ := w.Open(ctx, "+628111", now); !open {
		t.Fatal("wrote 23 hours ago: window should be open")
	}
	if open, _ := w.Open(ctx, "+628111", now.Add(2*time.Hour)); open {
		t.Fatal("wrote 25 hours before: window should be closed")
	}
	if err := w.Touch(ctx, "+628222", now.Add(-25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if open, _ := w.Open(ctx, "+628222", now); open {
		t.Fatal("a message older than the window opened it")
	}
}
