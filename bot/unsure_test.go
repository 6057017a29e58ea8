package bot_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/memory"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
)

// lateCommit is the real in-process session store whose commits are saved but reported
// as failed, as when Redis stalls and runs a commit after the call gave up.
type lateCommit struct {
	store.Sessions
	on bool
}

func (l *lateCommit) Begin(ctx context.Context, a store.Arrival) (store.Turn, error) {
	t, err := l.Sessions.Begin(ctx, a)
	if err != nil || !l.on {
		return t, err
	}
	return lateTurn{t}, nil
}

type lateTurn struct{ store.Turn }

func (t lateTurn) Commit(ctx context.Context, session []byte, ttl time.Duration) error {
	if err := t.Turn.Commit(ctx, session, ttl); err != nil {
		return err
	}
	return errors.New("redis: commit turn: context deadline exceeded (test)")
}

// A commit that seemed to fail but was saved: the provider's second delivery finds the
// message processed, and gets the turn's replies instead of nothing.
func TestLateCommitStillAnswers(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sessions := &lateCommit{Sessions: memory.NewSessions(store.SessionOptions{}, time.Now)}
	e := newEngine(t, sessions, db)
	ctx := context.Background()
	in := channels.Inbound{Channel: "sms", ID: "SM1", From: residentPhone(1), Text: "halo", Time: time.Now()}
	if _, err := e.Handle(ctx, channels.Inbound{Channel: "sms", ID: "SM0", From: residentPhone(1), Text: "halo", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	sessions.on = true
	in.Text = "1"
	if _, err := e.Handle(ctx, in); err == nil {
		t.Fatal("the turn with the failed commit reported success")
	}
	sessions.on = false
	again, err := e.Handle(ctx, in)
	if err != nil || len(again) != 1 || !strings.Contains(again[0].Text, "Untuk siapa bantuan ini?") {
		t.Fatalf("second delivery: %v %+v; want the relation question", err, again)
	}
	if third, err := e.Handle(ctx, in); !errors.Is(err, channels.ErrDuplicate) || len(third) != 0 {
		t.Fatalf("third delivery: %v %+v; want a plain duplicate", err, third)
	}
}
