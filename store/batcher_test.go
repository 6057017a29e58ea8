package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/postgres"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// refusing is the real SQLite message log made to refuse every batch that holds a
// record whose peer is "refuse", as a database refuses a value it cannot store.
type refusing struct {
	store.MessageLog
	mu      sync.Mutex
	batches int
}

func (r *refusing) RecordMessages(ctx context.Context, recs []domain.MessageRecord) error {
	r.mu.Lock()
	r.batches++
	r.mu.Unlock()
	for _, rec := range recs {
		if rec.Peer == "refuse" {
			return fmt.Errorf("test: %w", store.ErrInvalid)
		}
	}
	return r.MessageLog.RecordMessages(ctx, recs)
}

// One record the database refuses costs that record, not its batch.
func TestBatcherDropsOnlyTheRefusedRecord(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := &refusing{MessageLog: db}
	var lost []string
	b := store.NewBatcher(log, 100, time.Hour, func(err error, n int) {
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("lost %d records: %v", n, err)
		}
		lost = append(lost, fmt.Sprint(n))
	})
	ctx := context.Background()
	for i := range 40 {
		peer := fmt.Sprintf("+62811%04d", i)
		if i == 17 {
			peer = "refuse"
		}
		if err := b.Add(ctx, domain.MessageRecord{Direction: domain.Inbound, ProviderID: fmt.Sprint("SM", i), Peer: peer, Status: "received", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	b.Close(context.Background())
	if strings.Join(lost, ",") != "1" {
		t.Fatalf("lost batches of %v records, want one record", lost)
	}
	for i := range 40 {
		_, err := db.Message(ctx, domain.Inbound, fmt.Sprint("SM", i))
		if (err == nil) == (i == 17) {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if log.batches > 2*6+1 {
		t.Fatalf("%d writes to find one record among 40", log.batches)
	}
}

// A record added after Close (a turn that outlived the shutdown) is refused, not a panic.
func TestBatcherAddAfterClose(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := store.NewBatcher(db, 10, time.Hour, nil)
	b.Close(context.Background())
	if err := b.Add(context.Background(), domain.MessageRecord{Direction: domain.Inbound, ProviderID: "SM1"}); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Add after Close: %v", err)
	}
	b.Close(context.Background())
}

// PostgreSQL hangs at shutdown: Close gives up at its deadline and reports the records
// it could not write, instead of holding the process past its grace (each write would
// otherwise wait out its own timeout, five times).
func TestBatcherCloseWithAHangingDatabase(t *testing.T) {
	ctx := context.Background()
	dsn, proxy := storetest.BehindProxy(t, storetest.PostgresDatabase(t))
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mu sync.Mutex
	lost := 0
	b := store.NewBatcher(db, 10, time.Hour, func(err error, n int) {
		mu.Lock()
		lost += n
		mu.Unlock()
	})
	proxy.Stall()
	for i := range 25 {
		if err := b.Add(ctx, domain.MessageRecord{Direction: domain.Inbound, ProviderID: fmt.Sprint("SM", i), Peer: "+628110000001", Status: "received", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	deadline, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	closed := make(chan struct{})
	go func() { b.Close(deadline); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close still waiting for a hanging database 10 s after its deadline")
	}
	proxy.Resume()
	mu.Lock()
	defer mu.Unlock()
	if lost != 25 {
		t.Fatalf("%d records reported lost, want all 25 (none was written)", lost)
	}
}
