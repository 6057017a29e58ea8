package memory_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/memory"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

func TestSessions(t *testing.T) {
	storetest.TestSessions(t, func(t *testing.T, opts store.SessionOptions) store.Sessions {
		return memory.NewSessions(opts, time.Now)
	})
}

func TestSnapshotRestore(t *testing.T) {
	ctx := context.Background()
	a := memory.NewSessions(store.SessionOptions{}, time.Now)
	turn, err := a.Begin(ctx, store.Arrival{Sender: "+628111", MessageID: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := turn.Commit(ctx, []byte("state"), time.Hour); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := a.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	b := memory.NewSessions(store.SessionOptions{}, time.Now)
	if err := b.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Begin(ctx, store.Arrival{Sender: "+628111", MessageID: "m1"}); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("restored store forgot message m1: %v", err)
	}
	turn, err = b.Begin(ctx, store.Arrival{Sender: "+628111", MessageID: "m2"})
	if err != nil {
		t.Fatal(err)
	}
	defer turn.Release()
	if string(turn.Session()) != "state" {
		t.Fatalf("restored session %q", turn.Session())
	}
}

func TestParking(t *testing.T) {
	storetest.TestParking(t, func(t *testing.T) store.Parking { return memory.NewSessions(store.SessionOptions{}, time.Now) })
}
