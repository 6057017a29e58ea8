package bot_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"

	"github.com/dinsospmd-bateng/silakso/bot"
	"github.com/dinsospmd-bateng/silakso/bot/bottest"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/memory"
	"github.com/dinsospmd-bateng/silakso/store/postgres"
	"github.com/dinsospmd-bateng/silakso/store/redis"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

var residentScript = bottest.Script

func residentPhone(i int) string { return fmt.Sprintf("+62812%07d", 1000000+i) }

// tickets differ between runs (they are sequence numbers); transcripts compare without them.
var ticketPattern = regexp.MustCompile(`\b26\d{5,}\b`)

func normalise(replies []channels.Outbound) string {
	var b strings.Builder
	for _, r := range replies {
		b.WriteString(ticketPattern.ReplaceAllString(r.Text, "<ticket>") + "\n")
	}
	return b.String()
}

// newEngine builds an engine on the given stores; with a registry, officers are known
// and their registry is read afresh on every turn.
func newEngine(t testing.TB, sessions store.Sessions, cases store.Cases, officers ...store.Officers) *bot.Engine {
	t.Helper()
	return bot.New(engineDeps(t, sessions, cases, officers...), bot.Config{})
}

// engineDeps are newEngine's dependencies, for a test that changes one.
func engineDeps(t testing.TB, sessions store.Sessions, cases store.Cases, officers ...store.Officers) bot.Deps {
	t.Helper()
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	regions, err := dialogs.LoadRegions()
	if err != nil {
		t.Fatal(err)
	}
	d := bot.Deps{
		Sessions: sessions, Cases: cases, Catalog: cat, Regions: regions,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if p, ok := sessions.(store.Parking); ok {
		d.Parking = p
	}
	if len(officers) > 0 {
		d.Officers, d.OfficerCacheTTL = officers[0], time.Nanosecond
	}
	return d
}

// referenceTranscripts runs every resident alone on the embedded stores.
func referenceTranscripts(t *testing.T, residents int) []string {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ref.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := newEngine(t, memory.NewSessions(store.SessionOptions{}, time.Now), db)
	out := make([]string, residents)
	for i := range residents {
		var b strings.Builder
		for k, text := range residentScript(i) {
			replies, err := e.Handle(context.Background(), channels.Inbound{
				Channel: "test", ID: fmt.Sprintf("r%d-m%d", i, k), From: residentPhone(i), Text: text, Time: time.Now(),
			})
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(normalise(replies))
		}
		out[i] = b.String()
	}
	return out
}

// instance is one bot process: its own Redis pool and PostgreSQL pool.
func instance(t *testing.T, rdb *goredis.Client, prefix, pgURL string) *bot.Engine {
	t.Helper()
	own := goredis.NewClient(rdb.Options())
	t.Cleanup(func() { own.Close() })
	db, err := postgres.Open(context.Background(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return newEngine(t, redis.NewSessions(own, prefix, store.SessionOptions{}), db)
}

// Two instances share one Redis and one PostgreSQL. 500 residents file complete intakes
// at the same time; every message is delivered twice, one in three to both instances at
// once. Each resident must get exactly the single-instance transcript, and each intake
// exactly one case.
func TestTwoInstancesDuplicatedDeliveries(t *testing.T) {
	const residents = 500
	want := referenceTranscripts(t, residents)

	rdb, prefix := storetest.Redis(t)
	pgURL := storetest.PostgresDatabase(t)
	a, b := instance(t, rdb, prefix, pgURL), instance(t, rdb, prefix, pgURL)

	got := make([]string, residents)
	var wg sync.WaitGroup
	for i := range residents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var transcript strings.Builder
			for k, text := range residentScript(i) {
				in := channels.Inbound{Channel: "test", ID: fmt.Sprintf("r%d-m%d", i, k), From: residentPhone(i), Text: text, Time: time.Now()}
				first, second := a, b
				if (i+k)%2 == 1 {
					first, second = b, a
				}
				var r1, r2 []channels.Outbound
				var e1, e2 error
				if (i+k)%3 == 0 {
					var both sync.WaitGroup
					both.Add(2)
					go func() { defer both.Done(); r1, e1 = first.Handle(context.Background(), in) }()
					go func() { defer both.Done(); r2, e2 = second.Handle(context.Background(), in) }()
					both.Wait()
				} else {
					r1, e1 = first.Handle(context.Background(), in)
					r2, e2 = second.Handle(context.Background(), in)
				}
				dup1, dup2 := errors.Is(e1, channels.ErrDuplicate), errors.Is(e2, channels.ErrDuplicate)
				if (e1 != nil && !dup1) || (e2 != nil && !dup2) {
					t.Errorf("resident %d message %d: %v %v", i, k, e1, e2)
					return
				}
				if dup1 == dup2 {
					t.Errorf("resident %d message %d %q processed %d times", i, k, text, map[bool]int{true: 0, false: 2}[dup1])
				}
				transcript.WriteString(normalise(append(r1, r2...)))
			}
			got[i] = transcript.String()
		}()
	}
	wg.Wait()
	for i := range residents {
		if got[i] != want[i] {
			t.Errorf("resident %d transcript differs from the single-instance run:\n%s", i, diff(want[i], got[i]))
		}
	}

	conn, err := pgx.Connect(context.Background(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var cases, intakes, tickets int
	if err := conn.QueryRow(context.Background(),
		`SELECT count(*), count(DISTINCT intake_id), count(DISTINCT ticket) FROM cases`).Scan(&cases, &intakes, &tickets); err != nil {
		t.Fatal(err)
	}
	if cases != residents || intakes != residents || tickets != residents {
		t.Fatalf("%d cases, %d intakes, %d tickets for %d residents", cases, intakes, tickets, residents)
	}
}

// 50 messages from one sender arrive at once at two instances: they are processed one at
// a time, in arrival order, and the sender sees what they would see one by one.
func TestBurstFromOneSenderInArrivalOrder(t *testing.T) {
	const n = 50
	script := residentScript(1)
	for len(script) < n {
		script = append(script, "CEK")
	}
	// The reference: the same messages one after another on one instance.
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ref.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	opts := store.SessionOptions{RateLimit: -1}
	ref := newEngine(t, memory.NewSessions(opts, time.Now), db)
	want := make([]string, n)
	for k, text := range script {
		r, err := ref.Handle(context.Background(), channels.Inbound{Channel: "test", ID: fmt.Sprint(k), From: residentPhone(1), Text: text, Time: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		want[k] = normalise(r)
	}

	rdb, prefix := storetest.Redis(t)
	pgURL := storetest.PostgresDatabase(t)
	engines := make([]*bot.Engine, 2)
	for j := range engines {
		pg, err := postgres.Open(context.Background(), pgURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		engines[j] = newEngine(t, redis.NewSessions(goredis.NewClient(rdb.Options()), prefix, opts), pg)
	}
	// Hold the sender while all 50 arrive, so that all of them are waiting at once.
	sessions := redis.NewSessions(rdb, prefix, opts)
	hold, err := sessions.Begin(context.Background(), store.Arrival{Sender: residentPhone(1), MessageID: "hold", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now()
	got := make([]string, n)
	var wg sync.WaitGroup
	for k := n - 1; k >= 0; k-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := channels.Inbound{Channel: "test", ID: fmt.Sprint(k), From: residentPhone(1), Text: script[k], Time: base.Add(time.Duration(k) * time.Millisecond)}
			r, err := engines[k%2].Handle(context.Background(), in)
			if err != nil {
				t.Error(err)
			}
			got[k] = normalise(r)
		}()
	}
	for {
		q, err := sessions.Queued(context.Background(), residentPhone(1))
		if err != nil {
			t.Fatal(err)
		}
		if q == n+1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	hold.Release()
	wg.Wait()
	for k := range n {
		if got[k] != want[k] {
			t.Fatalf("message %d (%q) out of order:\n%s", k, script[k], diff(want[k], got[k]))
		}
	}
}

// bottest.Replies says how many messages each script step brings the resident, replies
// and outbox messages together; the load command relies on it.
func TestScriptReplyCounts(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "counts.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := newEngine(t, memory.NewSessions(store.SessionOptions{}, time.Now), db)
	for i := range 70 {
		want := bottest.Replies(i)
		for k, text := range residentScript(i) {
			replies, err := e.Handle(context.Background(), channels.Inbound{
				Channel: "test", ID: fmt.Sprintf("r%d-m%d", i, k), From: residentPhone(i), Text: text, Time: time.Now(),
			})
			if err != nil {
				t.Fatal(err)
			}
			got := len(replies)
			for _, p := range pushes(t, db) {
				if p.To == residentPhone(i) {
					got++
				}
			}
			if got != want[k] {
				t.Fatalf("resident %d message %d %q: %d messages, bottest.Replies says %d", i, k, text, got, want[k])
			}
		}
	}
}
