package delivery_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/delivery"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/postgres"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// provider is a fake provider: it records what it accepted, in order, and lets a test
// slow it down, block it or make it fail per message.
type provider struct {
	mu        sync.Mutex
	sent      []channels.Outbound
	perTo     map[string][]string
	inFlight  int
	maxFlight int
	// act, if set, runs before a message is accepted; an error refuses it.
	act func(ctx context.Context, out channels.Outbound) error
}

func (p *provider) Send(ctx context.Context, out channels.Outbound) (channels.Receipt, error) {
	p.mu.Lock()
	p.inFlight++
	p.maxFlight = max(p.maxFlight, p.inFlight)
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.inFlight--
		p.mu.Unlock()
	}()
	if p.act != nil {
		if err := p.act(ctx, out); err != nil {
			return channels.Receipt{}, err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, out)
	if p.perTo == nil {
		p.perTo = map[string][]string{}
	}
	p.perTo[out.To] = append(p.perTo[out.To], out.Text)
	return channels.Receipt{ProviderID: fmt.Sprint("P", len(p.sent))}, nil
}

func (p *provider) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sent)
}

func (p *provider) texts(to string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.perTo[to])
}

var errBusy = &channels.SendError{Err: errors.New("provider busy (test)")}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sqliteOutbox(t testing.TB) *sqlite.DB {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func postgresOutbox(t testing.TB) *postgres.DB {
	db, err := postgres.Open(context.Background(), storetest.PostgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func phone(i int) string { return fmt.Sprintf("+62811%06d", i) }

// Many sends are in flight at once, each recipient's messages still arrive in order.
func TestOrderPerRecipientWithManyInFlight(t *testing.T) {
	p := &provider{act: func(ctx context.Context, out channels.Outbound) error {
		time.Sleep(time.Duration(len(out.Text)%4) * time.Millisecond)
		return nil
	}}
	c := delivery.New(delivery.Config{Concurrency: 16}, delivery.Deps{Senders: map[string]channels.Sender{"sms": p}, Log: quiet})
	ctx := context.Background()
	for k := range 10 {
		for r := range 50 {
			if err := c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: phone(r), Text: fmt.Sprint(k, "-", r)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor(t, "500 messages", func() bool { return p.count() == 500 })
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for r := range 50 {
		got := p.texts(phone(r))
		for k, text := range got {
			if text != fmt.Sprint(k, "-", r) {
				t.Fatalf("%s got %v, out of order", phone(r), got)
			}
		}
	}
	if p.maxFlight < 2 || p.maxFlight > 16 {
		t.Fatalf("%d sends in flight at most, want 2..16", p.maxFlight)
	}
}

// A recipient whose sends hang holds up nobody else.
func TestSlowRecipientHoldsUpNobody(t *testing.T) {
	release := make(chan struct{})
	p := &provider{act: func(ctx context.Context, out channels.Outbound) error {
		if out.To == phone(0) {
			<-release
		}
		return nil
	}}
	c := delivery.New(delivery.Config{Concurrency: 8}, delivery.Deps{Senders: map[string]channels.Sender{"sms": p}, Log: quiet})
	ctx := context.Background()
	for k := range 3 {
		for r := range 20 {
			c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: phone(r), Text: fmt.Sprint(k)})
		}
	}
	waitFor(t, "everyone but the slow recipient", func() bool { return p.count() == 57 })
	close(release)
	waitFor(t, "the slow recipient", func() bool { return p.count() == 60 })
	c.Close(ctx)
}

// A reply waiting for its retry does not occupy the only sender: another resident's
// reply goes out meanwhile.
func TestRetryWaitsWithoutASender(t *testing.T) {
	var aTries atomic.Int32
	var order []string
	var mu sync.Mutex
	p := &provider{act: func(ctx context.Context, out channels.Outbound) error {
		mu.Lock()
		order = append(order, out.To)
		mu.Unlock()
		if out.To == phone(1) && aTries.Add(1) == 1 {
			return errBusy
		}
		return nil
	}}
	c := delivery.New(delivery.Config{Concurrency: 1, QuickBackoff: 300 * time.Millisecond},
		delivery.Deps{Senders: map[string]channels.Sender{"sms": p}, Log: quiet})
	ctx := context.Background()
	c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: phone(1), Text: "a"})
	waitFor(t, "the first try", func() bool { return aTries.Load() == 1 })
	c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: phone(2), Text: "b"})
	waitFor(t, "both", func() bool { return p.count() == 2 })
	c.Close(ctx)
	mu.Lock()
	defer mu.Unlock()
	if want := []string{phone(1), phone(2), phone(1)}; !slices.Equal(order, want) {
		t.Fatalf("sends %v, want %v (b while a waits)", order, want)
	}
}

// A cap per sender number is kept: never more sends in a window than the cap allows.
func TestRatePerChannel(t *testing.T) {
	var mu sync.Mutex
	var at []time.Time
	p := &provider{act: func(ctx context.Context, out channels.Outbound) error {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		return nil
	}}
	other := &provider{}
	c := delivery.New(delivery.Config{Rates: map[string]float64{"sms": 50}},
		delivery.Deps{Senders: map[string]channels.Sender{"sms": p, "wa": other}, Log: quiet})
	ctx := context.Background()
	for i := range 60 {
		c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: phone(i), Text: "x"})
		c.Enqueue(ctx, channels.Outbound{Channel: "wa", To: phone(i), Text: "y"})
	}
	waitFor(t, "uncapped channel", func() bool { return other.count() == 60 })
	waitFor(t, "capped channel", func() bool { return p.count() == 60 })
	c.Close(ctx)
	mu.Lock()
	defer mu.Unlock()
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	// A burst of 50, then 50 per second: 10 more need at least 200 ms.
	if span := at[59].Sub(at[0]); span < 180*time.Millisecond {
		t.Fatalf("60 sends within %v with a cap of 50/s", span)
	}
}

// Under a rate cap, messages due at once go in the order they were queued, whichever
// recipient's lane runs first: a filing's ticket to the resident before the notice to
// the officer, on a SIM that sends one SMS every few seconds.
func TestRateCapKeepsQueueOrder(t *testing.T) {
	for round := range 3 {
		var mu sync.Mutex
		var order []string
		p := &provider{act: func(ctx context.Context, out channels.Outbound) error {
			mu.Lock()
			order = append(order, out.Text)
			mu.Unlock()
			return nil
		}}
		// 200 ms between sends after the burst: wider than a busy machine's scheduling
		// jitter (at 50 ms, two sleepers woke out of order under a parallel test run).
		c := delivery.New(delivery.Config{Rates: map[string]float64{"sms": 5}},
			delivery.Deps{Senders: map[string]channels.Sender{"sms": p}, Log: quiet})
		ctx := context.Background()
		const burst, n = 5, 12 // 5 at once, then one every 200 ms
		var want []string
		for i := range n {
			want = append(want, fmt.Sprint(i))
			c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: phone(i), Text: fmt.Sprint(i)})
		}
		waitFor(t, "every send", func() bool { return p.count() == n })
		c.Close(ctx)
		mu.Lock()
		// The burst goes at once, in any order; after it, one at a time in queue order.
		if !slices.Equal(order[burst:], want[burst:]) {
			t.Errorf("round %d: sends after the burst %v, want %v", round, order[burst:], want[burst:])
		}
		mu.Unlock()
	}
}

// Outbox messages are claimed as senders free up, sent once each even when the
// provider answers slower than a lease lasts, by two couriers on one PostgreSQL.
func TestSlowProviderNoDuplicates(t *testing.T) {
	db := postgresOutbox(t)
	ctx := context.Background()
	var msgs []domain.OutboxMessage
	for i := range 40 {
		msgs = append(msgs, domain.OutboxMessage{Channel: "sms", To: phone(i % 20), Text: fmt.Sprint(i)})
	}
	if err := db.Enqueue(ctx, msgs, time.Now()); err != nil {
		t.Fatal(err)
	}
	p := &provider{act: func(ctx context.Context, out channels.Outbound) error {
		time.Sleep(400 * time.Millisecond) // longer than a lease
		return nil
	}}
	run, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var couriers []*delivery.Courier
	for i := range 2 {
		c := delivery.New(delivery.Config{Concurrency: 8, Lease: 300 * time.Millisecond, Poll: 50 * time.Millisecond},
			delivery.Deps{Senders: map[string]channels.Sender{"sms": p}, Outbox: db, Owner: fmt.Sprint("c", i), Log: quiet})
		couriers = append(couriers, c)
		wg.Add(1)
		go func() { defer wg.Done(); c.Run(run) }()
	}
	waitFor(t, "40 pushes", func() bool { return p.count() >= 40 })
	time.Sleep(500 * time.Millisecond) // a duplicate would arrive now
	stop()
	wg.Wait()
	for _, c := range couriers {
		c.Close(ctx)
	}
	if n := p.count(); n != 40 {
		t.Fatalf("%d sends for 40 pushes", n)
	}
	for i := range 20 {
		if got := p.texts(phone(i)); !slices.Equal(got, []string{fmt.Sprint(i), fmt.Sprint(i + 20)}) {
			t.Fatalf("%s got %v", phone(i), got)
		}
	}
}

// A reply the provider keeps refusing goes to the outbox with the replies behind it,
// and reaches the resident, in order, once the provider is back.
// A reply that keeps failing waits in the outbox and goes out in order once the
// provider is back, under the key it was first tried with (a provider that took a try
// whose answer was lost refuses the next as a repeat, instead of sending it twice).
func TestFailingReplyWaitsInTheOutbox(t *testing.T) {
	for name, db := range map[string]store.Outbox{"sqlite": sqliteOutbox(t), "postgres": postgresOutbox(t)} {
		t.Run(name, func(t *testing.T) {
			var down atomic.Bool
			down.Store(true)
			var keysMu sync.Mutex
			keys := map[string]map[string]bool{} // text -> keys it was tried with
			p := &provider{act: func(ctx context.Context, out channels.Outbound) error {
				keysMu.Lock()
				if keys[out.Text] == nil {
					keys[out.Text] = map[string]bool{}
				}
				keys[out.Text][out.Key] = true
				keysMu.Unlock()
				if down.Load() {
					return errBusy
				}
				return nil
			}}
			c := delivery.New(delivery.Config{QuickBackoff: time.Millisecond, Backoff: 50 * time.Millisecond, Poll: 20 * time.Millisecond},
				delivery.Deps{Senders: map[string]channels.Sender{"sms": p}, Outbox: db, Owner: "c", Log: quiet})
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); c.Run(ctx) }()
			for _, text := range []string{"1", "2", "3"} {
				c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: phone(1), Text: text})
			}
			time.Sleep(200 * time.Millisecond)
			if p.count() != 0 {
				t.Fatal("sent while down")
			}
			down.Store(false)
			waitFor(t, "the replies", func() bool { return p.count() == 3 })
			stop()
			<-done
			c.Close(context.Background())
			if got := p.texts(phone(1)); !slices.Equal(got, []string{"1", "2", "3"}) {
				t.Fatalf("got %v", got)
			}
			keysMu.Lock()
			defer keysMu.Unlock()
			if len(keys["1"]) != 1 || keys["1"][""] {
				t.Fatalf("reply 1 was tried in memory and from the outbox with keys %v; want one", keys["1"])
			}
			for _, text := range []string{"2", "3"} {
				if len(keys[text]) != 1 || keys[text][""] {
					t.Fatalf("reply %s tried with keys %v; want one", text, keys[text])
				}
			}
		})
	}
}

// At the shutdown deadline, replies still held are written to the outbox and pushes
// are given back, so the next process sends them; Close returns at the deadline even
// with a provider that never answers.
func TestShutdownDeadline(t *testing.T) {
	db := postgresOutbox(t)
	ctx := context.Background()
	if err := db.Enqueue(ctx, []domain.OutboxMessage{{Channel: "sms", To: phone(100), Text: "push"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	hang := &provider{act: func(ctx context.Context, out channels.Outbound) error {
		<-ctx.Done()
		return &channels.SendError{Err: ctx.Err()}
	}}
	c := delivery.New(delivery.Config{Concurrency: 4, Poll: 10 * time.Millisecond},
		delivery.Deps{Senders: map[string]channels.Sender{"sms": hang}, Outbox: db, Owner: "old", Log: quiet})
	run, stopRun := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); c.Run(run) }()
	for i := range 10 {
		c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: phone(i % 3), Text: fmt.Sprint(i)})
	}
	waitFor(t, "sends in flight", func() bool {
		hang.mu.Lock()
		defer hang.mu.Unlock()
		return hang.inFlight == 4
	})
	stopRun()
	<-done
	deadline, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := c.Close(deadline); err == nil {
		t.Fatal("Close reported nothing left unsent")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %v", d)
	}
	// The next process finds everything: ten replies (each resident's in order) and
	// the push.
	next := nextProcess(t, db)
	if next.count() != 11 {
		t.Fatalf("next process sent %d of 11", next.count())
	}
	for r := range 3 {
		var want []string
		for i := r; i < 10; i += 3 {
			want = append(want, fmt.Sprint(i))
		}
		if got := next.texts(phone(r)); !slices.Equal(got, want) {
			t.Fatalf("%s got %v, want %v", phone(r), got, want)
		}
	}
}

// Permanent failures are not retried; pushes to residents who opted out are not sent,
// replies to them are (they answer what the resident just wrote).
func TestPermanentAndOptedOut(t *testing.T) {
	db := sqliteOutbox(t)
	ctx := context.Background()
	if err := db.Enqueue(ctx, []domain.OutboxMessage{
		{Channel: "sms", To: phone(1), Text: "push to opted out"},
		{Channel: "sms", To: phone(2), Text: "push to invalid"},
	}, time.Now()); err != nil {
		t.Fatal(err)
	}
	var tries atomic.Int32
	p := &provider{act: func(ctx context.Context, out channels.Outbound) error {
		if out.To == phone(2) {
			tries.Add(1)
			return &channels.SendError{Permanent: true, Code: "21211", Err: errors.New("invalid number")}
		}
		return nil
	}}
	if err := db.SetOptOut(ctx, phone(1), true, time.Now()); err != nil {
		t.Fatal(err)
	}
	c := delivery.New(delivery.Config{}, delivery.Deps{Senders: map[string]channels.Sender{"sms": p}, Outbox: db, Owner: "c", Log: quiet})
	if _, err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: phone(1), Text: "reply"})
	c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: phone(2), Text: "reply to invalid"})
	waitFor(t, "the reply", func() bool { return p.count() == 1 })
	c.Close(ctx)
	if got := p.texts(phone(1)); !slices.Equal(got, []string{"reply"}) {
		t.Fatalf("opted-out resident got %v", got)
	}
	if tries.Load() != 2 {
		t.Fatalf("%d tries to an invalid number, want one per message", tries.Load())
	}
	for id := int64(1); id <= 2; id++ {
		m, err := db.OutboxMessageByID(ctx, id)
		if err != nil || m.State != domain.OutboxFailed {
			t.Fatalf("push %d: %+v %v", id, m, err)
		}
	}
	if more, _ := db.Claim(ctx, "peek", 10, time.Minute, time.Now().Add(time.Hour)); len(more) != 0 {
		t.Fatalf("a permanent failure went to the outbox: %+v", more)
	}
}

// Memory is bounded: with the provider stuck, Enqueue waits for room.
func TestEnqueueWaitsForRoom(t *testing.T) {
	release := make(chan struct{})
	p := &provider{act: func(ctx context.Context, out channels.Outbound) error { <-release; return nil }}
	c := delivery.New(delivery.Config{MaxQueued: 5}, delivery.Deps{Senders: map[string]channels.Sender{"sms": p}, Log: quiet})
	ctx := context.Background()
	for i := range 5 {
		if err := c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: phone(i), Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	full, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := c.Enqueue(full, channels.Outbound{Channel: "sms", To: phone(9), Text: "x"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("sixth message: %v", err)
	}
	if err := c.Enqueue(ctx, channels.Outbound{Channel: "nope", To: phone(9), Text: "x"}); !errors.Is(err, delivery.ErrNoSender) {
		t.Fatalf("unknown channel: %v", err)
	}
	close(release)
	c.Close(ctx)
}

// A reply handed over while the courier is closing (a turn that ended late) is not
// lost: it goes to the outbox for the next process.
func TestReplyDuringCloseGoesToTheOutbox(t *testing.T) {
	db := sqliteOutbox(t)
	release := make(chan struct{})
	p := &provider{act: func(ctx context.Context, out channels.Outbound) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return &channels.SendError{Err: ctx.Err()}
		}
	}}
	c := delivery.New(delivery.Config{}, delivery.Deps{Senders: map[string]channels.Sender{"sms": p}, Outbox: db, Owner: "old", Log: quiet})
	ctx := context.Background()
	c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: phone(1), Text: "in flight"})
	closed := make(chan error)
	deadline, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	go func() { closed <- c.Close(deadline) }()
	time.Sleep(50 * time.Millisecond)
	if err := c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: phone(2), Text: "late"}); err != nil {
		t.Fatalf("late reply: %v", err)
	}
	<-closed
	close(release)
	next := nextProcess(t, db)
	if got := next.texts(phone(2)); !slices.Equal(got, []string{"late"}) {
		t.Fatalf("the late reply: %v", got)
	}
	if got := next.texts(phone(1)); !slices.Equal(got, []string{"in flight"}) {
		t.Fatalf("the reply in flight at the deadline: %v", got)
	}
}

// nextProcess is the process started after a shutdown: a courier on the same outbox that
// sends everything due, and its provider.
func nextProcess(t *testing.T, db store.Outbox) *provider {
	t.Helper()
	next := &provider{}
	n := delivery.New(delivery.Config{}, delivery.Deps{Senders: map[string]channels.Sender{"sms": next}, Outbox: db, Owner: "new", Log: quiet})
	for {
		k, err := n.Flush(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			return next
		}
	}
}

// Messages go only to the countries allowed: a forged sender abroad gets no SMS (the
// office would pay for it), and the refusal is final, not retried.
func TestOnlyAllowedCountries(t *testing.T) {
	p := &provider{}
	var mu sync.Mutex
	refused := map[string]error{}
	c := delivery.New(delivery.Config{Countries: []string{"62"}}, delivery.Deps{Senders: map[string]channels.Sender{"sms": p}, Log: quiet,
		OnResult: func(out channels.Outbound, _ channels.Receipt, err error) {
			if err != nil {
				mu.Lock()
				refused[out.To] = err
				mu.Unlock()
			}
		}})
	ctx := context.Background()
	for _, to := range []string{"+14155550100", "+6281100000001", "+881612345678", "+6281100000002"} {
		c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: to, Text: "x"})
	}
	waitFor(t, "the allowed sends", func() bool { return p.count() == 2 })
	c.Close(ctx)
	mu.Lock()
	defer mu.Unlock()
	for _, to := range []string{"+14155550100", "+881612345678"} {
		if err := refused[to]; !errors.Is(err, delivery.ErrCountry) || !channels.IsPermanent(err) {
			t.Errorf("%s: %v, want a permanent ErrCountry", to, err)
		}
	}
	for _, s := range p.sent {
		if !strings.HasPrefix(s.To, "+62") {
			t.Errorf("sent to %s", s.To)
		}
	}
}
