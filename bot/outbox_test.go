package bot_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/memory"
	"github.com/dinsospmd-bateng/silakso/store/postgres"
	"github.com/dinsospmd-bateng/silakso/store/redis"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// fakeSender stands in for a provider: it fails as told and counts what it delivered.
type fakeSender struct {
	mu        sync.Mutex
	failFirst int  // retryable failures before the first success
	permanent bool // every send fails permanently
	calls     int  // sends tried
	delivered map[string]int
}

func (f *fakeSender) Send(_ context.Context, out channels.Outbound) (channels.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.permanent {
		return channels.Receipt{}, &channels.SendError{Permanent: true, Code: "21211", Err: errors.New("invalid number")}
	}
	if f.calls <= f.failFirst {
		return channels.Receipt{}, &channels.SendError{Code: "20500", Err: errors.New("provider down")}
	}
	if f.delivered == nil {
		f.delivered = map[string]int{}
	}
	f.delivered[out.Text]++
	return channels.Receipt{ProviderID: fmt.Sprint("SM", f.calls)}, nil
}

type outboxDB interface {
	store.Outbox
	store.Cases
}

// backends opens a fresh SQLite and a fresh PostgreSQL database.
func backends(t *testing.T) map[string]outboxDB {
	lite, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	pg, err := postgres.Open(context.Background(), storetest.PostgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	return map[string]outboxDB{"sqlite": lite, "postgres": pg}
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func worker(db store.Outbox, s channels.Sender, owner string, now func() time.Time) *bot.OutboxWorker {
	return &bot.OutboxWorker{Outbox: db, Senders: map[string]channels.Sender{"sms": s}, Owner: owner,
		Backoff: time.Second, MaxBackoff: time.Minute, MaxAttempts: 6, Now: now, Log: quietLog}
}

func TestOutboxDelivery(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			// enqueue queues one message and finds its id with a claim that leases nothing
			// (1 ns); that claim counts as an attempt.
			enqueue := func(text string) int64 {
				if err := db.Enqueue(ctx, []store.OutboxMessage{{Channel: "sms", To: "+628111", Text: text}}, start); err != nil {
					t.Fatal(err)
				}
				msgs, err := db.Claim(ctx, "peek", 1000, time.Nanosecond, start)
				if err != nil {
					t.Fatal(err)
				}
				return msgs[len(msgs)-1].ID
			}

			t.Run("fails three times, then delivered once", func(t *testing.T) {
				id := enqueue("retry me")
				s := &fakeSender{failFirst: 3}
				clock := start.Add(time.Second)
				w := worker(db, s, "w1", func() time.Time { return clock })
				for range 10 {
					if _, err := w.RunOnce(ctx); err != nil {
						t.Fatal(err)
					}
					clock = clock.Add(2 * time.Minute) // past any backoff
				}
				m, _ := db.OutboxMessageByID(ctx, id)
				if m.State != store.OutboxSent || s.delivered["retry me"] != 1 || s.calls != 4 || m.Attempts != 5 {
					// attempts counts the peek claim too
					t.Fatalf("state %s, delivered %d, calls %d, attempts %d", m.State, s.delivered["retry me"], s.calls, m.Attempts)
				}
			})

			t.Run("permanent failure is not retried", func(t *testing.T) {
				id := enqueue("invalid")
				s := &fakeSender{permanent: true}
				clock := start.Add(time.Second)
				w := worker(db, s, "w1", func() time.Time { return clock })
				for range 3 {
					w.RunOnce(ctx)
					clock = clock.Add(time.Hour)
				}
				m, _ := db.OutboxMessageByID(ctx, id)
				if m.State != store.OutboxFailed || s.calls != 1 || !strings.Contains(m.LastError, "invalid number") {
					t.Fatalf("state %s, calls %d, error %q", m.State, s.calls, m.LastError)
				}
			})

			t.Run("gives up after the last attempt", func(t *testing.T) {
				id := enqueue("never")
				s := &fakeSender{failFirst: 1000}
				clock := start.Add(time.Second)
				w := worker(db, s, "w1", func() time.Time { return clock })
				for range 20 {
					w.RunOnce(ctx)
					clock = clock.Add(time.Hour)
				}
				m, _ := db.OutboxMessageByID(ctx, id)
				if m.State != store.OutboxFailed || s.calls != 5 {
					t.Fatalf("state %s after %d calls", m.State, s.calls)
				}
			})

			t.Run("a worker killed mid-send: redelivered after the lease", func(t *testing.T) {
				id := enqueue("crash")
				// The first worker claims the message, sends it, and dies before recording it.
				claimed, err := db.Claim(ctx, "killed", 10, time.Minute, start.Add(time.Second))
				if err != nil || len(claimed) != 1 || claimed[0].ID != id {
					t.Fatalf("claim: %v %+v", err, claimed)
				}
				s := &fakeSender{}
				clock := start.Add(30 * time.Second)
				w := worker(db, s, "survivor", func() time.Time { return clock })
				w.RunOnce(ctx)
				if s.calls != 0 {
					t.Fatal("sent while another worker's lease holds")
				}
				clock = start.Add(2 * time.Minute)
				w.RunOnce(ctx)
				m, _ := db.OutboxMessageByID(ctx, id)
				if s.delivered["crash"] != 1 || m.State != store.OutboxSent {
					t.Fatalf("after the lease: delivered %d, state %s", s.delivered["crash"], m.State)
				}
			})
		})
	}
}

// Two workers on one PostgreSQL with 1,000 queued messages: each is sent exactly once.
func TestOutboxTwoWorkersPostgres(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, storetest.PostgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	var msgs []store.OutboxMessage
	for i := range 1000 {
		msgs = append(msgs, store.OutboxMessage{Channel: "sms", To: "+628111", Text: fmt.Sprint("m", i)})
	}
	if err := db.Enqueue(ctx, msgs, now); err != nil {
		t.Fatal(err)
	}
	s := &fakeSender{}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := worker(db, s, fmt.Sprint("w", w), time.Now)
			wk.Batch = 10
			if _, err := wk.RunOnce(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(s.delivered) != 1000 {
		t.Fatalf("%d of 1000 delivered", len(s.delivered))
	}
	for text, n := range s.delivered {
		if n != 1 {
			t.Fatalf("%s delivered %d times", text, n)
		}
	}
}

// proxy is a TCP connection to PostgreSQL that the test can cut and restore, to make
// the database unreachable for a while.
type proxy struct {
	target string
	ln     net.Listener
	mu     sync.Mutex
	conns  []net.Conn
	addr   string
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.ln = ln
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

// cut refuses new connections and breaks the open ones.
func (p *proxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
}

func (p *proxy) restore(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(ln)
}

// While PostgreSQL is unreachable an officer's status change is refused with a clear
// reply, and nothing of it is written: no status, no event, no push.
func TestStatusChangeWhileDatabaseDown(t *testing.T) {
	ctx := context.Background()
	u, err := url.Parse(storetest.PostgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	direct, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	p := newProxy(t, u.Host)
	u.Host = p.addr
	q := u.Query()
	q.Set("connect_timeout", "1")
	u.RawQuery = q.Encode()
	viaProxy, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer viaProxy.Close()

	officer := store.Officer{Phone: "+6281100000001", Name: "Rudi", Role: store.RolePetugas, Kecamatan: []string{"Koba"}, Channel: "sms", Active: true, CreatedAt: time.Now()}
	if err := direct.AddOfficer(ctx, officer); err != nil {
		t.Fatal(err)
	}
	c, _, err := direct.FileCase(ctx, storetest.Filing("i1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, memory.NewSessions(store.SessionOptions{}, time.Now), viaProxy, viaProxy)
	say := func(text string) string {
		out, _ := e.Handle(ctx, channels.Inbound{Channel: "sms", ID: fmt.Sprint(time.Now().UnixNano()), From: officer.Phone, Text: text, Time: time.Now()})
		var b strings.Builder
		for _, o := range out {
			b.WriteString(o.Text)
		}
		return b.String()
	}
	if got := say("AMBIL " + c.Ticket); !strings.Contains(got, "Anda tangani") {
		t.Fatalf("AMBIL: %s", got)
	}
	p.cut()
	if got := say("UBAH " + c.Ticket + " selesai"); !strings.Contains(got, "perubahan belum disimpan") {
		t.Fatalf("while down: %q", got)
	}
	after, err := direct.CaseByTicket(ctx, c.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	events, _ := direct.Events(ctx, c.ID)
	if after.Status != store.StatusInProcess || len(events) != 3 { // filed, assign, status
		t.Fatalf("half-written: status %s, %d events", after.Status, len(events))
	}
	p.restore(t)
	if got := say("UBAH " + c.Ticket + " selesai"); !strings.Contains(got, "diproses -> selesai") {
		t.Fatalf("after the database is back: %q", got)
	}
}

// An intake confirmed on one instance while the database was down is filed by another
// instance once it is back: the parked filing is in the shared Redis, and the resident
// gets the ticket as a push.
func TestParkedFilingFiledByAnotherInstance(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cases.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rdb, prefix := storetest.Redis(t)
	down := &faultyCases{Cases: db, down: true}
	a := newEngine(t, redis.NewSessions(rdb, prefix, store.SessionOptions{}), down)
	b := newEngine(t, redis.NewSessions(rdb, prefix, store.SessionOptions{}), db)

	for k, text := range residentScript(1) {
		if _, err := a.Handle(ctx, channels.Inbound{Channel: "sms", ID: fmt.Sprint(k), From: residentPhone(1), Text: text, Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.RetryPendingFilings(ctx); n != 1 {
		t.Fatalf("instance b filed %d parked intakes, want 1", n)
	}
	if n := b.RetryPendingFilings(ctx); n != 0 {
		t.Fatalf("filed again: %d", n)
	}
	cases, err := db.CasesByFiler(ctx, residentPhone(1), 5)
	if err != nil || len(cases) != 1 {
		t.Fatalf("cases %v %v", cases, err)
	}
	s := &fakeSender{}
	if _, err := worker(db, s, "w", time.Now).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	want := "Permohonan Anda sudah terkirim. Nomor tiket: " + cases[0].Ticket
	found := false
	for text := range s.delivered {
		found = found || strings.HasPrefix(text, want)
	}
	if !found {
		t.Fatalf("resident not told the ticket; sent %v", s.delivered)
	}
}
