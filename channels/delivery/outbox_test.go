package delivery_test

import (
	"context"
	"errors"
	"fmt"
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
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// flaky fails as told and counts what it delivered.
type flaky struct {
	mu        sync.Mutex
	failFirst int  // retryable failures before the first success
	permanent bool // every send fails permanently
	calls     int
	delivered map[string]int
}

func (f *flaky) Send(_ context.Context, out channels.Outbound) (channels.Receipt, error) {
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

func outboxes(t *testing.T) map[string]store.Outbox {
	return map[string]store.Outbox{"sqlite": sqliteOutbox(t), "postgres": postgresOutbox(t)}
}

// Retries of pushes wait in the outbox with their backoff; outcomes are recorded.
func TestOutboxRetries(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for name, db := range outboxes(t) {
		t.Run(name, func(t *testing.T) {
			n := 0
			enqueue := func(text string) int64 {
				n++
				if err := db.Enqueue(ctx, []domain.OutboxMessage{{Channel: "sms", To: phone(n), Text: text}}, start); err != nil {
					t.Fatal(err)
				}
				return int64(n)
			}
			courier := func(s channels.Sender, owner string, clock *time.Time) *delivery.Courier {
				return delivery.New(delivery.Config{Backoff: time.Second, MaxBackoff: time.Minute, MaxAttempts: 6},
					delivery.Deps{Senders: map[string]channels.Sender{"sms": s}, Outbox: db, Owner: owner,
						Now: func() time.Time { return *clock }, Log: quiet})
			}

			t.Run("fails three times, then delivered once", func(t *testing.T) {
				id := enqueue("retry me")
				s := &flaky{failFirst: 3}
				clock := start.Add(time.Second)
				c := courier(s, "w1", &clock)
				for range 10 {
					if _, err := c.Flush(ctx); err != nil {
						t.Fatal(err)
					}
					clock = clock.Add(2 * time.Minute) // past any backoff
				}
				m, _ := db.OutboxMessageByID(ctx, id)
				if m.State != domain.OutboxSent || s.delivered["retry me"] != 1 || s.calls != 4 || m.Attempts != 4 {
					t.Fatalf("state %s, delivered %d, calls %d, attempts %d", m.State, s.delivered["retry me"], s.calls, m.Attempts)
				}
			})

			t.Run("permanent failure is not retried", func(t *testing.T) {
				id := enqueue("invalid")
				s := &flaky{permanent: true}
				clock := start.Add(time.Second)
				c := courier(s, "w1", &clock)
				for range 3 {
					c.Flush(ctx)
					clock = clock.Add(time.Hour)
				}
				m, _ := db.OutboxMessageByID(ctx, id)
				if m.State != domain.OutboxFailed || s.calls != 1 || !strings.Contains(m.LastError, "invalid number") {
					t.Fatalf("state %s, calls %d, error %q", m.State, s.calls, m.LastError)
				}
			})

			t.Run("gives up after the last attempt", func(t *testing.T) {
				id := enqueue("never")
				s := &flaky{failFirst: 1000}
				clock := start.Add(time.Second)
				c := courier(s, "w1", &clock)
				for range 20 {
					c.Flush(ctx)
					clock = clock.Add(time.Hour)
				}
				m, _ := db.OutboxMessageByID(ctx, id)
				if m.State != domain.OutboxFailed || s.calls != 6 {
					t.Fatalf("state %s after %d calls", m.State, s.calls)
				}
			})

			t.Run("a courier killed mid-send: sent again after the lease", func(t *testing.T) {
				id := enqueue("crash")
				// The first process claims the message, sends it, and dies before recording it.
				claimed, err := db.Claim(ctx, "killed", 10, time.Minute, start.Add(time.Second))
				if err != nil || len(claimed) != 1 || claimed[0].ID != id {
					t.Fatalf("claim: %v %+v", err, claimed)
				}
				s := &flaky{}
				clock := start.Add(30 * time.Second)
				c := courier(s, "survivor", &clock)
				c.Flush(ctx)
				if s.calls != 0 {
					t.Fatal("sent while another process's lease holds")
				}
				clock = start.Add(2 * time.Minute)
				c.Flush(ctx)
				m, _ := db.OutboxMessageByID(ctx, id)
				if s.delivered["crash"] != 1 || m.State != domain.OutboxSent {
					t.Fatalf("after the lease: delivered %d, state %s", s.delivered["crash"], m.State)
				}
			})
		})
	}
}

// Two couriers on one PostgreSQL with 1,000 queued pushes to 100 residents, woken as
// pushes are queued: each push is sent exactly once, and each resident gets theirs in
// the order they were queued.
func TestTwoCouriersOnePostgres(t *testing.T) {
	db := postgresOutbox(t)
	ctx := context.Background()
	p := &provider{}
	run, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var couriers []*delivery.Courier
	for i := range 2 {
		c := delivery.New(delivery.Config{Concurrency: 16, Poll: time.Hour},
			delivery.Deps{Senders: map[string]channels.Sender{"sms": p}, Outbox: db, Owner: fmt.Sprint("c", i), Log: quiet})
		couriers = append(couriers, c)
		wg.Add(2)
		go func() { defer wg.Done(); c.Run(run) }()
		go func() { defer wg.Done(); db.ListenOutbox(run, c.Wake) }()
	}
	for batch := range 10 {
		var msgs []domain.OutboxMessage
		for i := range 100 {
			msgs = append(msgs, domain.OutboxMessage{Channel: "sms", To: phone(i), Text: fmt.Sprint(batch)})
		}
		if err := db.Enqueue(ctx, msgs, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "1,000 pushes", func() bool { return p.count() >= 1000 })
	time.Sleep(100 * time.Millisecond)
	stop()
	wg.Wait()
	for _, c := range couriers {
		c.Close(ctx)
	}
	if p.count() != 1000 {
		t.Fatalf("%d sends for 1,000 pushes", p.count())
	}
	want := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	for i := range 100 {
		if got := p.texts(phone(i)); !slices.Equal(got, want) {
			t.Fatalf("%s got %v", phone(i), got)
		}
	}
}

// slowSender answers after a fixed delay, like a provider's API over the network.
type slowSender struct {
	delay time.Duration
	sent  atomic.Int64
}

func (s *slowSender) Send(context.Context, channels.Outbound) (channels.Receipt, error) {
	time.Sleep(s.delay)
	n := s.sent.Add(1)
	return channels.Receipt{ProviderID: fmt.Sprint("SM", n)}, nil
}

// BenchmarkOutbox delivers b.N queued pushes to 500 residents from PostgreSQL through a
// courier, with an instant sender (the database's share), one that answers in 5 ms and
// one that answers in 250 ms (Twilio's API from Indonesia).
func BenchmarkOutbox(b *testing.B) {
	ctx := context.Background()
	db := postgresOutbox(b)
	for _, delay := range []time.Duration{0, 5 * time.Millisecond, 250 * time.Millisecond} {
		for _, concurrency := range []int{8, 64} {
			b.Run(fmt.Sprintf("sender=%v/concurrency=%d", delay, concurrency), func(b *testing.B) {
				b.StopTimer()
				msgs := make([]domain.OutboxMessage, b.N)
				for i := range msgs {
					msgs[i] = domain.OutboxMessage{Channel: "sms", To: phone(i % 500), Text: fmt.Sprint("m", i)}
				}
				if err := db.Enqueue(ctx, msgs, time.Now()); err != nil {
					b.Fatal(err)
				}
				s := &slowSender{delay: delay}
				c := delivery.New(delivery.Config{Concurrency: concurrency, Poll: 10 * time.Millisecond},
					delivery.Deps{Senders: map[string]channels.Sender{"sms": s}, Outbox: db, Owner: fmt.Sprint("bench-", b.N), Log: quiet})
				run, stop := context.WithCancel(ctx)
				done := make(chan struct{})
				b.StartTimer()
				start := time.Now()
				go func() { defer close(done); c.Run(run) }()
				for s.sent.Load() < int64(b.N) {
					time.Sleep(time.Millisecond)
				}
				elapsed := time.Since(start)
				b.StopTimer()
				stop()
				<-done
				c.Close(ctx)
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
			})
		}
	}
}

// PostgreSQL goes away right after the provider took a ticket, for several leases:
// the courier holds the ticket until its outcome is recorded instead of sending it a
// second time, and the resident's next message follows it, once.
func TestSentButNotRecordedIsNotSentAgain(t *testing.T) {
	ctx := context.Background()
	dsn, proxy := storetest.BehindProxy(t, storetest.PostgresDatabase(t))
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	const lease = 500 * time.Millisecond
	var once sync.Once
	restored := make(chan struct{})
	p := &provider{act: func(_ context.Context, out channels.Outbound) error {
		if out.Text == "ticket" {
			once.Do(func() {
				// The provider has the ticket; the database goes before "sent" is written.
				proxy.Refuse()
				time.AfterFunc(4*lease, func() { proxy.Restore(t); close(restored) })
			})
		}
		return nil
	}}
	c := delivery.New(delivery.Config{Lease: lease, Poll: 50 * time.Millisecond, CallTimeout: 200 * time.Millisecond,
		QuickBackoff: 50 * time.Millisecond},
		delivery.Deps{Senders: map[string]channels.Sender{"sms": p}, Outbox: db, Owner: "only", Log: quiet})
	to := phone(1)
	if err := db.Enqueue(ctx, []domain.OutboxMessage{{Channel: "sms", To: to, Text: "ticket"}, {Channel: "sms", To: to, Text: "note"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); c.Run(run) }()
	<-restored
	waitFor(t, "the note", func() bool { return len(p.texts(to)) >= 2 })
	// Several leases more: a message sent twice would have gone out by now.
	time.Sleep(4 * lease)
	stop()
	<-done
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := p.texts(to); !slices.Equal(got, []string{"ticket", "note"}) {
		t.Fatalf("resident got %q, want the ticket then the note, once each", got)
	}
	for id := int64(1); id <= 2; id++ {
		if m, err := db.OutboxMessageByID(ctx, id); err != nil || m.State != domain.OutboxSent {
			t.Fatalf("message %d: state %q, err %v", id, m.State, err)
		}
	}
}

// A push waits in the outbox for its retry when the resident writes again: the reply
// goes behind the push, not ahead of it.
func TestReplyWaitsBehindAPushRetrying(t *testing.T) {
	ctx := context.Background()
	db := sqliteOutbox(t)
	var failed atomic.Bool
	retrying := make(chan struct{})
	p := &provider{act: func(_ context.Context, out channels.Outbound) error {
		if out.Text == "note" && failed.CompareAndSwap(false, true) {
			defer close(retrying)
			return errBusy
		}
		return nil
	}}
	c := delivery.New(delivery.Config{Backoff: 400 * time.Millisecond, Poll: 20 * time.Millisecond},
		delivery.Deps{Senders: map[string]channels.Sender{"sms": p}, Outbox: db, Owner: "only", Log: quiet})
	to := phone(2)
	if err := db.Enqueue(ctx, []domain.OutboxMessage{{Channel: "sms", To: to, Text: "note"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); c.Run(run) }()
	<-retrying
	waitFor(t, "the retry recorded", func() bool {
		m, err := db.OutboxMessageByID(ctx, 1)
		return err == nil && m.LastError != ""
	})
	if err := c.Enqueue(ctx, channels.Outbound{Channel: "sms", To: to, Text: "menu"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both messages", func() bool { return len(p.texts(to)) >= 2 })
	stop()
	<-done
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := p.texts(to); !slices.Equal(got, []string{"note", "menu"}) {
		t.Fatalf("resident got %q, want the note then the menu", got)
	}
}
