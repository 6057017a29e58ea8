package main

import (
	"context"
	"maps"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels/twilio/twiliotest"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// The fault tests run `silakso serve` as a process of its own on PostgreSQL and Redis
// behind TCP proxies, with a fake Twilio API, and break things while residents write
// the way Twilio delivers them. Each asserts what the residents end up with: every
// resident who confirmed has exactly one case and received their ticket.

// kill -9, twice, while 1,000 residents write, 32 at a time. The process is started
// again at once each time; webhooks that found it gone are delivered again.
func TestFaultKilledTwiceUnderLoad(t *testing.T) {
	s := newSite(t)
	p := startProcess(t, s.env)
	c := s.crowd(p, 1000, 32)
	done := make(chan twiliotest.Result)
	go func() { done <- c.Run(context.Background()) }()
	for _, after := range []time.Duration{3 * time.Second, 4 * time.Second} {
		time.Sleep(after)
		p.kill9()
		p.start()
	}
	r := <-done
	report(t, "residents", r)
	if r.Failed > 0 {
		t.Errorf("%d webhooks failed for good", r.Failed)
	}
	if r.Confirmed < 950 {
		t.Errorf("only %d of 1,000 residents got as far as confirming", r.Confirmed)
	}
	if r.Ticketed != r.Confirmed {
		t.Errorf("%d of %d residents who confirmed received their ticket", r.Ticketed, r.Confirmed)
	}
	s.outcome(c, r)
}

// kill -9 0.3 s after 50 residents confirmed, while the provider takes 3 s to answer:
// the tickets were on their way. The next process sends them.
func TestFaultKilledWhileTicketsAreSent(t *testing.T) {
	s := newSite(t)
	p := startProcess(t, s.env)
	c := s.atSummary(p, 50)
	s.api.SetDelay(3 * time.Second)
	yes := s.confirming(p, c)
	var confirmed atomic.Int32
	yes.OnConfirmed = func(int) { confirmed.Add(1) }
	done := make(chan twiliotest.Result)
	go func() { done <- yes.Run(context.Background()) }()
	if !waitUntil(30*time.Second, func() bool { return confirmed.Load() == 50 }) {
		t.Fatalf("only %d residents confirmed", confirmed.Load())
	}
	time.Sleep(300 * time.Millisecond)
	p.kill9()
	s.api.SetDelay(0)
	p.start()
	r := <-done
	report(t, "confirming", r)
	if r.Confirmed != 50 || r.Ticketed != 50 {
		t.Errorf("%d confirmed, %d received their ticket; want 50 and 50", r.Confirmed, r.Ticketed)
	}
	s.outcome(yes, r)
}

// The provider refuses every send for 8 s while residents confirm: their tickets wait
// in the outbox and go out when it is back, once each.
func TestFaultProviderDownWhileResidentsConfirm(t *testing.T) {
	s := newSite(t)
	p := startProcess(t, s.env)
	c := s.atSummary(p, 40)
	s.api.SetFailRate(1)
	time.AfterFunc(8*time.Second, func() { s.api.SetFailRate(0) })
	yes := s.confirming(p, c)
	yes.ReplyTimeout = time.Minute
	r := yes.Run(context.Background())
	report(t, "confirming", r)
	if r.Ticketed != 40 || r.TicketedTwice != 0 {
		t.Errorf("%d received their ticket, %d twice; want 40 and none", r.Ticketed, r.TicketedTwice)
	}
	s.outcome(yes, r)
}

// The provider answers after 3.5 s, slower than ever before, while 40 tickets go out:
// each is sent once (no crash, so no repeat).
func TestFaultSlowProviderSendsOnce(t *testing.T) {
	s := newSite(t)
	p := startProcess(t, s.env)
	c := s.atSummary(p, 40)
	s.api.SetDelay(3500 * time.Millisecond)
	yes := s.confirming(p, c)
	yes.Linger = 5 * time.Second
	r := yes.Run(context.Background())
	report(t, "confirming", r)
	if r.Ticketed != 40 || r.TicketedTwice != 0 {
		t.Errorf("%d received their ticket, %d twice; want 40 and none", r.Ticketed, r.TicketedTwice)
	}
	s.outcome(yes, r)
}

// A rolling restart while the provider takes 2 s per send: a load balancer moves new
// webhooks to a second instance and the first gets SIGTERM. It sends what it holds and
// stops well within its grace.
func TestFaultSIGTERMWithSlowProvider(t *testing.T) {
	s := newSite(t)
	rollingRestart(t, s, s.api, 2*time.Second)
}

// The same with a provider that does not answer at all: at the end of its grace the
// stopping instance hands what it could not send (replies and tickets) to the outbox,
// and the other instance sends it.
func TestFaultSIGTERMWithHangingProvider(t *testing.T) {
	s := newSite(t)
	hanging := twiliotest.NewAPI(testSID, testToken)
	hanging.Keep = false
	hanging.Accepted = s.inbox.Deliver
	fake := httptest.NewServer(hanging)
	t.Cleanup(fake.Close)
	old := maps.Clone(s.env)
	old["TWILIO_API_BASE_URL"] = fake.URL
	rollingRestart(t, s, hanging, time.Hour, old)
}

// rollingRestart lets 1,000 residents write through a load balancer to one instance,
// makes api answer after delay, moves new webhooks to a second instance and stops the
// first with SIGTERM. oldEnv, if given, is the first instance's environment.
func rollingRestart(t *testing.T, s *site, api *twiliotest.API, delay time.Duration, oldEnv ...map[string]string) {
	s.env["SILAKSO_INSTANCES"] = "2"
	env := s.env
	if len(oldEnv) > 0 {
		env = oldEnv[0]
		env["SILAKSO_INSTANCES"] = "2"
	}
	old := startProcess(t, env)
	balancer := storetest.NewProxy(t, old.addr)
	c := s.crowd(old, 1000, 64)
	c.Target = "http://" + balancer.Addr()
	c.ReplyTimeout = 40 * time.Second
	done := make(chan twiliotest.Result)
	go func() { done <- c.Run(context.Background()) }()
	time.Sleep(time.Second)
	api.SetDelay(delay)
	time.Sleep(500 * time.Millisecond)
	next := startProcess(t, s.env)
	balancer.Retarget(next.addr)
	took := old.sigterm()
	t.Logf("serve stopped %v after SIGTERM", took.Round(time.Millisecond))
	if took > shutdownGrace+5*time.Second {
		t.Errorf("serve took %v to stop; its grace is %v", took, shutdownGrace)
	}
	api.SetDelay(0)
	r := <-done
	report(t, "residents", r)
	if r.Failed > 0 {
		t.Errorf("%d webhooks failed for good", r.Failed)
	}
	if r.Confirmed < 990 {
		t.Errorf("only %d of 1,000 residents confirmed", r.Confirmed)
	}
	s.outcome(c, r)
}

// PostgreSQL hangs (takes connections, never answers) while 100 residents confirm.
// Every YA is answered in time, the filings are parked, and once the database is back
// every resident gets a case and the ticket.
func TestFaultPostgresHangsWhileResidentsConfirm(t *testing.T) {
	s := newSite(t)
	p := startProcess(t, s.env)
	c := s.atSummary(p, 100)
	s.pg.Stall()
	resumed := time.AfterFunc(20*time.Second, s.pg.Resume)
	defer resumed.Stop()
	yes := s.confirming(p, c)
	yes.Replies = one
	yes.ReplyTimeout = 20 * time.Second
	r := yes.Run(context.Background())
	report(t, "confirming", r)
	if r.Retries > 0 || r.Failed > 0 {
		t.Errorf("%d webhooks repeated, %d failed: a YA while the database hangs must still be answered", r.Retries, r.Failed)
	}
	for _, d := range r.Webhook {
		if d > 15*time.Second {
			t.Errorf("a YA was answered after %v, later than Twilio waits", d)
		}
	}
	if r.Ticketed != 100 || r.TicketedTwice != 0 {
		t.Errorf("%d of 100 received their ticket once the database was back, %d twice", r.Ticketed, r.TicketedTwice)
	}
	s.outcome(yes, r)
}

// Redis, which keeps nothing on disk, restarts while PostgreSQL is down: filings parked
// meanwhile are not lost (they are in the spool as well), and are filed when the
// database is back.
func TestFaultRedisRestartsDuringDatabaseOutage(t *testing.T) {
	s := newSite(t)
	r := startRedis(t)
	s.env["SILAKSO_REDIS_URL"] = "redis://" + r.addr + "/0"
	p := startProcess(t, s.env)
	c := s.atSummary(p, 20)
	s.pg.Refuse()
	yes := s.confirming(p, c)
	yes.Replies = one
	var confirmed atomic.Int32
	yes.OnConfirmed = func(int) { confirmed.Add(1) }
	go func() {
		// Everyone was told their request is saved: now Redis loses everything, and the
		// database comes back.
		if waitUntil(time.Minute, func() bool { return confirmed.Load() == 20 }) {
			time.Sleep(500 * time.Millisecond)
			r.restart()
			s.pg.Restore(t)
		}
	}()
	res := yes.Run(context.Background())
	report(t, "confirming", res)
	if res.Confirmed != 20 || res.Ticketed != 20 || res.TicketedTwice != 0 {
		t.Errorf("%d confirmed, %d of them received their ticket after Redis restarted, %d twice; want 20, 20 and none", res.Confirmed, res.Ticketed, res.TicketedTwice)
	}
	s.outcome(yes, res)
}

// Redis stalls for 10 s in the middle of the load. Turns that meet the stall fail and
// are delivered again (not answered 200 and lost), no lock outlives its caller, and
// every resident ends with their case and ticket.
func TestFaultRedisStalls(t *testing.T) {
	s := newSite(t)
	p := startProcess(t, s.env)
	c := s.crowd(p, 300, 32)
	// The stall comes once the first residents are through, whatever the machine's
	// speed (a fixed delay found a fast machine done already).
	var confirmed atomic.Int32
	c.OnConfirmed = func(int) { confirmed.Add(1) }
	done := make(chan twiliotest.Result)
	go func() { done <- c.Run(context.Background()) }()
	if !waitUntil(30*time.Second, func() bool { return confirmed.Load() >= 20 }) {
		t.Fatalf("only %d residents confirmed before the stall", confirmed.Load())
	}
	s.redis.Stall()
	time.Sleep(10 * time.Second)
	s.redis.Resume()
	r := <-done
	report(t, "residents", r)
	if r.Retries == 0 {
		t.Error("no webhook met the stall; the test tested nothing")
	}
	if r.Failed > 0 || r.Stuck > 0 {
		t.Errorf("%d webhooks failed for good, %d residents gave up", r.Failed, r.Stuck)
	}
	if r.Confirmed != 300 || r.Ticketed != 300 || r.TicketedTwice != 0 {
		t.Errorf("%d confirmed, %d received their ticket, %d twice; want all 300 and none twice", r.Confirmed, r.Ticketed, r.TicketedTwice)
	}
	s.outcome(c, r)
}

// PostgreSQL goes away the moment the provider has taken the first ticket, for 10 s:
// the "sent" marks cannot be written. The tickets already sent are held until they
// are, not sent again when their lease runs out; the rest go out when it is back.
// Everyone reads on past the lease, to see a ticket sent twice.
func TestFaultDatabaseGoesAsTicketsAreSent(t *testing.T) {
	s := newSite(t)
	p := startProcess(t, s.env)
	c := s.atSummary(p, 40)
	var once sync.Once
	s.api.Accepted = func(to, body string) {
		s.inbox.Deliver(to, body)
		if s.inbox.IsTicket(body) {
			once.Do(func() {
				s.pg.Refuse()
				time.AfterFunc(10*time.Second, func() { s.pg.Restore(t) })
			})
		}
	}
	yes := s.confirming(p, c)
	yes.ReplyTimeout = time.Minute
	yes.Linger = 35 * time.Second // past the 30 s lease of the first tickets
	r := yes.Run(context.Background())
	report(t, "confirming", r)
	if r.Confirmed != 40 || r.Ticketed != 40 || r.TicketedTwice != 0 {
		t.Errorf("%d confirmed, %d received their ticket, %d twice; want 40, 40 and none", r.Confirmed, r.Ticketed, r.TicketedTwice)
	}
	s.outcome(yes, r)
}

// SIGTERM while PostgreSQL hangs for the instance stopping, mid-load, behind a load
// balancer that has moved new webhooks to a second instance: the first stops within
// its grace (what it cannot write is left to the outbox leases and the parked
// filings), and every resident who confirmed has one case and the ticket.
func TestFaultSIGTERMWhileDatabaseHangs(t *testing.T) {
	sigtermDuringStall(t, func(pg, _ *storetest.Proxy) *storetest.Proxy { return pg })
}

// The same with Redis stalled: what it runs late, when it wakes, is fenced.
func TestFaultSIGTERMWhileRedisStalls(t *testing.T) {
	sigtermDuringStall(t, func(_, redis *storetest.Proxy) *storetest.Proxy { return redis })
}

// sigtermDuringStall stalls, for the first instance only, the server pick chooses, and
// stops that instance with SIGTERM; the server wakes once it has exited.
func sigtermDuringStall(t *testing.T, pick func(pg, redis *storetest.Proxy) *storetest.Proxy) {
	s := newSite(t)
	s.env["SILAKSO_INSTANCES"] = "2"
	oldEnv, pg, redis := s.ownPaths()
	oldEnv["SILAKSO_DATA_DIR"] = t.TempDir()
	old := startProcess(t, oldEnv)
	next := startProcess(t, s.env)
	balancer := storetest.NewProxy(t, old.addr)
	c := s.crowd(old, 300, 32)
	c.Target = "http://" + balancer.Addr()
	c.ReplyTimeout = 40 * time.Second
	var confirmed atomic.Int32
	c.OnConfirmed = func(int) { confirmed.Add(1) }
	done := make(chan twiliotest.Result)
	go func() { done <- c.Run(context.Background()) }()
	// Mid-load whatever the machine's speed: once the first residents are through.
	if !waitUntil(30*time.Second, func() bool { return confirmed.Load() >= 20 }) {
		t.Fatalf("only %d residents confirmed before the stall", confirmed.Load())
	}
	stalled := pick(pg, redis)
	stalled.Stall()
	time.Sleep(time.Second)
	balancer.Retarget(next.addr)
	took := old.sigterm()
	t.Logf("serve stopped %v after SIGTERM", took.Round(time.Millisecond))
	if took > shutdownGrace+2*time.Second {
		t.Errorf("serve took %v to stop; its grace is %v", took, shutdownGrace)
	}
	stalled.Resume()
	r := <-done
	report(t, "residents", r)
	if r.Failed > 0 {
		t.Errorf("%d webhooks failed for good", r.Failed)
	}
	if r.Ticketed != r.Confirmed {
		t.Errorf("%d of %d residents who confirmed received their ticket", r.Ticketed, r.Confirmed)
	}
	s.outcome(c, r)
}
