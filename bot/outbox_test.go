package bot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/delivery"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/memory"
	"github.com/dinsospmd-bateng/silakso/store/postgres"
	"github.com/dinsospmd-bateng/silakso/store/redis"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// pushes delivers what is due in db's outbox and returns the messages sent.
func pushes(t *testing.T, db store.Outbox) []channels.Outbound {
	t.Helper()
	p := &collect{}
	c := delivery.New(delivery.Config{}, delivery.Deps{Fallback: p, Outbox: db, Owner: "test", Log: quietLog})
	if _, err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p.sent
}

type collect struct {
	mu   sync.Mutex
	sent []channels.Outbound
}

func (c *collect) Send(_ context.Context, out channels.Outbound) (channels.Receipt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, out)
	return channels.Receipt{ProviderID: fmt.Sprint("P", len(c.sent))}, nil
}

// While PostgreSQL is unreachable an officer's status change is refused with a clear
// reply, and nothing of it is written: no status, no event, no push.
func TestStatusChangeWhileDatabaseDown(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresDatabase(t)
	direct, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	proxied, p := storetest.BehindProxy(t, dsn)
	viaProxy, err := postgres.Open(ctx, proxied)
	if err != nil {
		t.Fatal(err)
	}
	defer viaProxy.Close()

	officer := domain.Officer{Phone: "+6281100000001", Name: "Rudi", Role: domain.RolePetugas, Kecamatan: []string{"Koba"}, Channel: "sms", Active: true, CreatedAt: time.Now(), PINHash: transcriptPIN}
	if err := direct.AddOfficer(ctx, officer); err != nil {
		t.Fatal(err)
	}
	c, _, err := store.File(ctx, direct, storetest.Filing("i1"), nil)
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
	if got := say("MASUK 2468"); !strings.Contains(got, "Selamat datang") {
		t.Fatalf("MASUK: %s", got)
	}
	if got := say("AMBIL " + c.Ticket); !strings.Contains(got, "Anda tangani") {
		t.Fatalf("AMBIL: %s", got)
	}
	p.Refuse()
	if got := say("UBAH " + c.Ticket + " selesai"); !strings.Contains(got, "perubahan belum disimpan") {
		t.Fatalf("while down: %q", got)
	}
	after, err := direct.CaseByTicket(ctx, c.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	events, _ := direct.Events(ctx, c.ID)
	if after.Status != domain.StatusInProcess || len(events) != 3 { // filed, assign, status
		t.Fatalf("half-written: status %s, %d events", after.Status, len(events))
	}
	p.Restore(t)
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
	sent := pushes(t, db)
	want := "Permohonan Bapak/Ibu sudah terkirim. Nomor tiket: " + cases[0].Ticket
	found := false
	for _, m := range sent {
		found = found || (m.To == residentPhone(1) && strings.HasPrefix(m.Text, want))
	}
	if !found {
		t.Fatalf("resident not told the ticket; sent %v", sent)
	}
}
