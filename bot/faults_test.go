package bot_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot"
	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/memory"
	"github.com/dinsospmd-bateng/silakso/store/postgres"
	"github.com/dinsospmd-bateng/silakso/store/spool"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// PostgreSQL hangs (takes connections, never answers) for longer than the officer
// registry is cached: turns that need no database still get their answers, the same as
// with a healthy database. Only the first turn after the registry expires waits for
// its reload (bounded); the others use the last good copy.
func TestOrdinaryTurnsWhileDatabaseHangs(t *testing.T) {
	const residents = 30
	want := referenceTranscripts(t, residents)
	ctx := context.Background()
	dsn, proxy := storetest.BehindProxy(t, storetest.PostgresDatabase(t))
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	registry := &countingOfficers{Officers: db}
	e := newEngine(t, memory.NewSessions(store.SessionOptions{}, time.Now), db, registry)
	// The registry is loaded while the database answers, then it hangs.
	if _, err := e.Handle(ctx, channels.Inbound{Channel: "test", ID: "warm", From: residentPhone(999), Text: "halo", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	proxy.Stall()
	defer proxy.Resume()
	registry.reads.Store(0)
	start := time.Now()

	got := make([]string, residents)
	var wg sync.WaitGroup
	for i := range residents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b strings.Builder
			script := residentScript(i)
			for k, text := range script[:len(script)-1] { // everything but YA, which files
				replies, err := e.Handle(ctx, channels.Inbound{Channel: "test", ID: fmt.Sprintf("r%d-m%d", i, k),
					From: residentPhone(i), Text: text, Time: time.Now()})
				if err != nil {
					t.Errorf("resident %d message %d: %v", i, k, err)
					return
				}
				b.WriteString(normalise(replies))
			}
			got[i] = b.String()
		}()
	}
	wg.Wait()
	// One reload at a time, and after a failed one the last good copy serves for 5 s:
	// the hanging database is asked about once per 5 s, not on every turn.
	if reads, most := registry.reads.Load(), int64(time.Since(start)/(5*time.Second))+2; reads > most {
		t.Errorf("the registry was read %d times in %v while the database hung", reads, time.Since(start).Round(time.Millisecond))
	}
	for i := range residents {
		if !strings.HasPrefix(want[i], got[i]) || got[i] == "" {
			t.Errorf("resident %d, while the database hangs:\n%s", i, diff(want[i], got[i]))
		}
	}
}

// countingOfficers is the real registry, counting reads.
type countingOfficers struct {
	store.Officers
	reads atomic.Int64
}

func (c *countingOfficers) ListOfficers(ctx context.Context) ([]domain.Officer, error) {
	c.reads.Add(1)
	return c.Officers.ListOfficers(ctx)
}

// spoolName is the file a spool keeps an intake in.
func spoolName(intakeID string) string {
	sum := sha256.Sum256([]byte(intakeID))
	return hex.EncodeToString(sum[:16])
}

// A parked filing the database refuses (here a NUL byte PostgreSQL cannot store) is
// logged and set aside for an operator; the filings after it are filed all the same,
// and the next round does not meet it again.
func TestRetryGoesPastARefusedFiling(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, storetest.PostgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	parked, err := spool.Open(filepath.Join(t.TempDir(), "parked"))
	if err != nil {
		t.Fatal(err)
	}
	var good []domain.Filing
	for i := range 5 {
		f := storetest.Filing(fmt.Sprintf("%s/SM%d", residentPhone(i), i))
		f.Filer = residentPhone(i)
		good = append(good, f)
		if err := parked.Park(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	// The refused one is the first the retry meets: its file sorts before the others.
	bad := storetest.Filing("")
	for n := 0; bad.IntakeID == ""; n++ {
		id := fmt.Sprintf("%s/SMbad%d", residentPhone(9), n)
		first := true
		for _, f := range good {
			first = first && spoolName(id) < spoolName(f.IntakeID)
		}
		if first {
			bad.IntakeID = id
		}
	}
	bad.Name = "Siti\x00Aminah"
	if err := parked.Park(ctx, bad); err != nil {
		t.Fatal(err)
	}
	d := engineDeps(t, memory.NewSessions(store.SessionOptions{}, time.Now), db)
	d.Parking = parked
	e := bot.New(d, bot.Config{})
	if n := e.RetryPendingFilings(ctx); n != 5 {
		t.Fatalf("filed %d of the 5 good filings", n)
	}
	left, err := parked.Parked(ctx, 10)
	if err != nil || len(left) != 0 {
		t.Fatalf("still parked: %+v %v; want none (the refused one set aside)", left, err)
	}
	if _, err := os.Stat(filepath.Join(parked.Dir(), "refused", spoolName(bad.IntakeID)+".json")); err != nil {
		t.Fatalf("the refused filing is not kept for an operator: %v", err)
	}
	for _, f := range good {
		cases, err := db.CasesByFiler(ctx, f.Filer, 5)
		if err != nil || len(cases) != 1 {
			t.Fatalf("%s: %v %v", f.Filer, cases, err)
		}
	}
}
