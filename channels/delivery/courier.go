// Package delivery is the send path of every channel. A turn's replies and the outbox's
// pushes leave through one Courier, which keeps each recipient's messages in order while
// many sends to different recipients are in flight, waits for retries and rate limits
// without occupying a sender, and hands what it cannot send now to the durable outbox,
// so that a provider outage or a shutdown delays a message instead of losing it.
//
// Receiving and sending are separate paths: a webhook answers as soon as its turn is
// done, and a slow provider slows nobody's turn.
package delivery

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
)

// Config tunes a Courier; zero values take the defaults.
type Config struct {
	// Concurrency is how many sends may be in flight at once, to all recipients
	// together (default 64). Pushes from the outbox take at most half, so replies to
	// residents writing now always find a sender free.
	Concurrency int
	// Rates caps sends per second per channel, that is per sender number (SIM cards,
	// gateways and some providers allow only so many); channels not named are not
	// capped. Waiting for the cap does not occupy a sender.
	Rates map[string]float64
	// QuickRetries is how often a failed reply is tried again in memory, after
	// QuickBackoff and then twice that, before it goes to the outbox to wait for its
	// retries there (defaults 2 and 500 ms).
	QuickRetries int
	QuickBackoff time.Duration
	// Backoff is the first wait of a message retried from the outbox, doubled each
	// attempt up to MaxBackoff, with jitter; after MaxAttempts it fails for good
	// (defaults 5 s, 30 min, 12: a provider may be out for about an hour and a half
	// before a ticket is given up).
	Backoff, MaxBackoff time.Duration
	MaxAttempts         int
	// SendTimeout bounds one call to a provider (default 15 s).
	SendTimeout time.Duration
	// Lease is how long a claimed outbox message is this courier's; leases are renewed
	// while the message waits or is sent, so a slow provider never lets another
	// instance send it a second time; after a crash, what the dead process held is sent
	// by another once its lease has run out (default 30 s).
	Lease time.Duration
	// Poll is how often the outbox is looked at without a wake-up (default 5 s).
	Poll time.Duration
	// MaxQueued bounds the messages held in memory; Enqueue waits for room beyond it,
	// so a provider that is down slows intake down instead of filling memory (default
	// 10,000).
	MaxQueued int
	// CallTimeout bounds each call to the outbox store (default 3 s).
	CallTimeout time.Duration
	// Countries are the calling codes messages may go to ("62"); a message to any
	// other number fails for good without reaching a provider, so a forged sender
	// abroad cannot make the office pay for SMS to premium numbers (SMS pumping).
	// Empty: any.
	Countries []string
}

func (c Config) withDefaults() Config {
	if c.Concurrency <= 0 {
		c.Concurrency = 64
	}
	if c.QuickRetries == 0 {
		c.QuickRetries = 2
	}
	if c.QuickBackoff == 0 {
		c.QuickBackoff = 500 * time.Millisecond
	}
	if c.Backoff == 0 {
		c.Backoff = 5 * time.Second
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = 30 * time.Minute
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 12
	}
	if c.SendTimeout == 0 {
		c.SendTimeout = 15 * time.Second
	}
	if c.Lease == 0 {
		c.Lease = 30 * time.Second
	}
	if c.Poll == 0 {
		c.Poll = 5 * time.Second
	}
	if c.MaxQueued == 0 {
		c.MaxQueued = 10_000
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = 3 * time.Second
	}
	return c
}

// Outbox is the durable queue a Courier claims messages from and records their
// outcomes in; the case stores implement it (store.Outbox has the full contract:
// order per recipient, leases, at-least-once delivery). A Sent, Retry or Failed after
// the lease went to another worker returns domain.ErrLeaseLost.
type Outbox interface {
	Enqueue(ctx context.Context, msgs []domain.OutboxMessage, at time.Time) error
	Claim(ctx context.Context, owner string, limit int, lease time.Duration, now time.Time) ([]domain.OutboxMessage, error)
	Extend(ctx context.Context, owner string, ids []int64, until time.Time) ([]int64, error)
	Release(ctx context.Context, owner string, ids []int64) error
	Sent(ctx context.Context, id int64, owner, providerID string, at time.Time) error
	Retry(ctx context.Context, id int64, owner string, next time.Time, reason string, at time.Time) error
	Failed(ctx context.Context, id int64, owner, reason string, at time.Time) error
}

// Deps are what a Courier sends with and where it keeps what waits.
type Deps struct {
	// Senders by channel name.
	Senders map[string]channels.Sender
	// Fallback, if set, sends messages for channels without a Sender, rate-limited as
	// FallbackChannel.
	Fallback        channels.Sender
	FallbackChannel string
	// Outbox holds pushes, and replies that could not be sent now. Without one, a
	// reply that keeps failing is dropped after its quick retries (tests only).
	Outbox Outbox
	// Owner names this courier in outbox leases; unique per process.
	Owner string
	Now   func() time.Time
	Log   *slog.Logger
	// OnResult, if set, hears the outcome of every send (for metrics and tests).
	OnResult func(out channels.Outbound, r channels.Receipt, err error)
}

// Courier sends messages. It is safe for concurrent use.
type Courier struct {
	cfg Config
	Deps
	limiters map[string]*rate.Limiter
	slots    chan struct{}
	room     chan struct{}
	wake     chan struct{}

	// stop is cancelled when the shutdown deadline has passed: what is still held
	// goes to the outbox instead of being sent.
	stop     context.Context
	stopSend context.CancelFunc
	// renewCtx ends when Close is done: leases are renewed through the drain.
	renewCtx     context.Context
	stopRenewing context.CancelFunc
	renewOnce    sync.Once
	renewWG      sync.WaitGroup

	mu     sync.Mutex
	lanes  map[string]*lane
	leased map[int64]*item
	// backlog holds recipients with messages this courier left waiting in the outbox
	// (a push waiting for its retry, replies spilled), and until when: a reply to them
	// goes to the outbox behind those messages instead of overtaking them.
	backlog map[string]time.Time
	closing bool
	lanesWG sync.WaitGroup
}

// item is one message in the courier's hands.
type item struct {
	out channels.Outbound
	// msg is the outbox row; ID 0 for a turn's reply that was never in the outbox.
	msg domain.OutboxMessage
	// tries counts failed sends of a reply in memory.
	tries int
	// due is when the next try may start.
	due time.Time
	// fenced is set when the outbox lease was lost: another worker has the message.
	fenced atomic.Bool
	// settle, when set, is the outcome of a message already sent (or failed for good)
	// that the outbox could not record yet. The message stays at the head of its lane,
	// its lease renewed, until it is recorded: released, it would be sent again.
	settle      func(ctx context.Context) error
	settleTries int
	// turn is the item's place under its channel's rate cap, taken when it became the
	// head of its lane: messages due at once are sent in the order they were queued
	// (the resident's ticket before the officer's notice of the same filing), not in
	// the order their lanes happened to run.
	turn *rate.Reservation
}

func (it *item) fromOutbox() bool { return it.msg.ID != 0 }

// lane holds one recipient's messages in order; one goroutine works it while it has any.
type lane struct {
	to    string
	items []*item
}

// ErrNoSender: a message for a channel nobody can send on.
var ErrNoSender = errors.New("delivery: no sender for this channel")

// ErrCountry: a message to a number outside Config.Countries.
var ErrCountry = errors.New("delivery: recipient's country not allowed")

// New makes a courier. Call Run to deliver the outbox, and Close to stop.
func New(cfg Config, d Deps) *Courier {
	cfg = cfg.withDefaults()
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	c := &Courier{
		cfg: cfg, Deps: d,
		limiters: map[string]*rate.Limiter{},
		slots:    make(chan struct{}, cfg.Concurrency),
		room:     make(chan struct{}, cfg.MaxQueued),
		wake:     make(chan struct{}, 1),
		lanes:    map[string]*lane{},
		leased:   map[int64]*item{},
		backlog:  map[string]time.Time{},
	}
	for ch, r := range cfg.Rates {
		if r > 0 {
			c.limiters[ch] = rate.NewLimiter(rate.Limit(r), max(1, int(r)))
		}
	}
	c.stop, c.stopSend = context.WithCancel(context.Background())
	c.renewCtx, c.stopRenewing = context.WithCancel(context.Background())
	return c
}

// sender finds who sends on a channel, and the channel whose rate cap applies.
func (c *Courier) sender(channel string) (channels.Sender, string) {
	if s, ok := c.Senders[channel]; ok {
		return s, channel
	}
	if c.Fallback != nil {
		return c.Fallback, c.FallbackChannel
	}
	return nil, ""
}

// Enqueue implements channels.Replier: it queues a turn's reply behind the recipient's
// earlier messages and returns. It waits for room while MaxQueued messages are held.
// During shutdown a reply goes straight to the outbox, for the next process.
func (c *Courier) Enqueue(ctx context.Context, out channels.Outbound) error {
	if s, _ := c.sender(out.Channel); s == nil {
		return ErrNoSender
	}
	if out.Key == "" {
		out.Key = newKey()
	}
	it := &item{out: out}
	if c.behindBacklog(out.To) {
		// Earlier messages to this recipient wait in the outbox: this one waits behind
		// them there (the outbox hands out each recipient's messages in order). If
		// the outbox cannot take it, it is sent now: late order beats a lost reply.
		if err := c.spill([]*item{it}, 0); err == nil {
			c.wakeUp()
			return nil
		}
	}
	select {
	case c.room <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	if !c.push(it) {
		<-c.room
		return c.spill([]*item{it}, 0)
	}
	return nil
}

// behindBacklog reports whether messages to this recipient wait in the outbox.
func (c *Courier) behindBacklog(to string) bool {
	if c.Outbox == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	until, ok := c.backlog[to]
	if ok && !c.Now().Before(until) {
		delete(c.backlog, to)
		return false
	}
	return ok
}

// markBacklog notes that messages to this recipient wait in the outbox until about
// until (their due time and a lease to send them).
func (c *Courier) markBacklog(to string, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.backlog) >= 1024 {
		// Forget the recipients whose backlog has passed, so the map follows the
		// recipients waiting now.
		now := c.Now()
		for k, u := range c.backlog {
			if !now.Before(u) {
				delete(c.backlog, k)
			}
		}
	}
	if until.After(c.backlog[to]) {
		c.backlog[to] = until
	}
}

// push appends it to its recipient's lane and starts the lane if idle. It refuses
// once Close has begun (the caller sends the message to the outbox instead): lanes
// started after Close waits for them would never be waited for.
func (c *Courier) push(it *item) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	l := c.lanes[it.out.To]
	if l == nil {
		l = &lane{to: it.out.To}
		c.lanes[it.out.To] = l
		c.lanesWG.Add(1)
		go c.work(l)
	}
	l.items = append(l.items, it)
	if len(l.items) == 1 {
		c.takeTurnLocked(it)
	}
	return true
}

// takeTurnLocked reserves the head of a lane its place under the rate cap, if it is
// due now (a message waiting for a retry takes its place when it is due).
func (c *Courier) takeTurnLocked(it *item) {
	_, key := c.sender(it.out.Channel)
	if l := c.limiters[key]; l != nil && it.turn == nil && !it.due.After(c.Now()) {
		it.turn = l.ReserveN(c.Now(), 1)
	}
}

// work sends a lane's messages one after another until it is empty.
func (c *Courier) work(l *lane) {
	defer c.lanesWG.Done()
	for {
		c.mu.Lock()
		if len(l.items) == 0 {
			delete(c.lanes, l.to)
			c.mu.Unlock()
			return
		}
		it := l.items[0]
		c.mu.Unlock()

		done := c.deliver(it)
		c.mu.Lock()
		if len(l.items) > 0 && l.items[0] == it && done {
			l.items = l.items[1:]
			c.releaseLocked(it)
			if len(l.items) > 0 {
				c.takeTurnLocked(l.items[0])
			}
		}
		c.mu.Unlock()
	}
}

// releaseLocked forgets an item the courier no longer holds.
func (c *Courier) releaseLocked(it *item) {
	if it.turn != nil {
		it.turn.Cancel() // its place under the cap goes to the next
		it.turn = nil
	}
	if it.fromOutbox() {
		if c.leased[it.msg.ID] == it {
			delete(c.leased, it.msg.ID)
			c.wakeUp() // room for another claim
		}
		return
	}
	<-c.room
}

// deliver tries to send the head of a lane once. It returns false when the item stays
// at the head to be tried again (after its due time).
func (c *Courier) deliver(it *item) bool {
	if it.settle != nil {
		return c.settleAgain(it)
	}
	if !c.sleepUntil(it.due) {
		return c.handOff(it)
	}
	if it.fenced.Load() {
		c.Log.Warn("outbox lease lost; another worker has the message", "id", it.msg.ID)
		return true
	}
	if it.msg.OptedOut {
		// Pushes stop for residents who asked for no more messages; replies answer
		// what they just wrote (which lifts the stop), and go out.
		return c.settleNow(it, func(ctx context.Context) error {
			return c.Outbox.Failed(ctx, it.msg.ID, c.Owner, "recipient opted out", c.Now())
		})
	}
	sender, rateKey := c.sender(it.out.Channel)
	if sender == nil {
		err := &channels.SendError{Permanent: true, Err: ErrNoSender}
		c.report(it, channels.Receipt{}, err)
		return c.failed(it, err)
	}
	if !c.allowed(it.out.To) {
		err := &channels.SendError{Permanent: true, Err: ErrCountry}
		c.report(it, channels.Receipt{}, err)
		return c.failed(it, err)
	}
	if l := c.limiters[rateKey]; l != nil {
		c.mu.Lock()
		r := it.turn
		it.turn = nil
		c.mu.Unlock()
		if r == nil {
			r = l.ReserveN(c.Now(), 1)
		}
		if !c.sleepFor(r.DelayFrom(c.Now())) {
			r.Cancel()
			return c.handOff(it)
		}
	}
	select {
	case c.slots <- struct{}{}:
	case <-c.stop.Done():
		return c.handOff(it)
	}
	ctx, cancel := context.WithTimeout(c.stop, c.cfg.SendTimeout)
	receipt, err := sender.Send(ctx, it.out)
	cancel()
	<-c.slots
	c.report(it, receipt, err)
	switch {
	case err == nil:
		if it.fromOutbox() {
			return c.settleNow(it, func(ctx context.Context) error {
				return c.Outbox.Sent(ctx, it.msg.ID, c.Owner, receipt.ProviderID, c.Now())
			})
		}
		return true
	case channels.IsPermanent(err):
		return c.failed(it, err)
	case c.stop.Err() != nil:
		return c.handOff(it)
	}
	return c.retry(it, err)
}

func (c *Courier) report(it *item, r channels.Receipt, err error) {
	if c.OnResult != nil {
		c.OnResult(it.out, r, err)
	}
}

// failed records a message that cannot be delivered.
func (c *Courier) failed(it *item, err error) bool {
	c.Log.Warn("message failed for good", "channel", it.out.Channel, "to", channels.MaskPhone(it.out.To),
		"outbox_id", it.msg.ID, "err", err)
	if it.fromOutbox() {
		return c.settleNow(it, func(ctx context.Context) error {
			return c.Outbox.Failed(ctx, it.msg.ID, c.Owner, reason(err), c.Now())
		})
	}
	return true
}

// retry deals with a retryable failure. A reply is tried again in memory a few times
// (the lane waits; no sender is held); then it goes to the outbox with the replies
// queued behind it. An outbox message goes back to the outbox with its backoff, or
// fails for good after MaxAttempts.
func (c *Courier) retry(it *item, err error) bool {
	if it.fromOutbox() {
		if it.msg.Attempts >= c.cfg.MaxAttempts {
			return c.failed(it, err)
		}
		next := c.Now().Add(c.backoff(it.msg.Attempts))
		if c.record(it, func(ctx context.Context) error {
			return c.Outbox.Retry(ctx, it.msg.ID, c.Owner, next, reason(err), c.Now())
		}) == nil {
			c.markBacklog(it.out.To, next.Add(c.cfg.Lease))
		}
		return true
	}
	it.tries++
	if it.tries <= c.cfg.QuickRetries {
		d := c.cfg.QuickBackoff << (it.tries - 1)
		it.due = c.Now().Add(d/2 + rand.N(d/2+1))
		return false
	}
	c.Log.Warn("reply not sent; kept in the outbox for later", "channel", it.out.Channel,
		"to", channels.MaskPhone(it.out.To), "err", err)
	return c.handOff(it)
}

// handOff gives a message the courier will not send now back to the outbox: a reply is
// written there (with the replies queued behind it, to keep their order), an outbox
// message's lease is released. It returns false when the outbox cannot take it either
// (the database is down too): the message then stays here and is tried again later.
func (c *Courier) handOff(it *item) bool {
	if it.fromOutbox() {
		c.record(it, func(ctx context.Context) error {
			return c.Outbox.Release(ctx, c.Owner, []int64{it.msg.ID})
		})
		return true
	}
	batch := c.takeReplies(it)
	if err := c.spill(batch, c.cfg.Backoff); err != nil {
		if c.stop.Err() != nil || c.Outbox == nil {
			c.Log.Error("replies lost: neither sent nor stored", "replies", len(batch), "err", err)
			c.dropReplies(batch[1:])
			return true
		}
		c.putBackReplies(batch[1:])
		it.due = c.Now().Add(c.cfg.Backoff)
		return false
	}
	c.dropReplies(batch[1:])
	return true
}

// takeReplies returns it and the replies behind it in its lane (they leave with it).
func (c *Courier) takeReplies(it *item) []*item {
	c.mu.Lock()
	defer c.mu.Unlock()
	batch := []*item{it}
	l := c.lanes[it.out.To]
	if l == nil {
		return batch
	}
	rest := l.items[:1]
	for _, o := range l.items[1:] {
		if o.fromOutbox() {
			rest = append(rest, o)
		} else {
			batch = append(batch, o)
		}
	}
	l.items = rest
	return batch
}

// putBackReplies returns replies taken by takeReplies to the lane, behind its head.
func (c *Courier) putBackReplies(items []*item) {
	if len(items) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.lanes[items[0].out.To]
	l.items = append(l.items[:1], append(items, l.items[1:]...)...)
}

// dropReplies forgets replies taken out of a lane (they are in the outbox now).
func (c *Courier) dropReplies(items []*item) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, it := range items {
		c.releaseLocked(it)
	}
}

// spill writes replies to the outbox, in order, due after wait (at once during
// shutdown: the next process sends them).
func (c *Courier) spill(items []*item, wait time.Duration) error {
	if c.Outbox == nil {
		return errors.New("delivery: no outbox")
	}
	c.mu.Lock()
	closing := c.closing
	c.mu.Unlock()
	if closing || c.stop.Err() != nil {
		wait = 0
	}
	next := c.Now().Add(wait)
	msgs := make([]domain.OutboxMessage, len(items))
	for i, it := range items {
		msgs[i] = domain.OutboxMessage{Channel: it.out.Channel, To: it.out.To, Text: it.out.Text, Key: it.out.Key, NextAt: next}
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.CallTimeout)
	defer cancel()
	if err := c.Outbox.Enqueue(ctx, msgs, c.Now()); err != nil {
		return err
	}
	c.markBacklog(items[0].out.To, next.Add(c.cfg.Lease))
	return nil
}

// record writes what became of an outbox message, under its own deadline (the
// courier may be stopping). A lease another worker took over counts as done: that
// worker has the message now.
func (c *Courier) record(it *item, write func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.CallTimeout)
	defer cancel()
	err := write(ctx)
	if errors.Is(err, domain.ErrLeaseLost) {
		c.Log.Warn("outbox lease lost; another worker has the message", "id", it.msg.ID)
		return nil
	}
	if err != nil && it.settle == nil {
		c.Log.Error("outbox outcome not recorded", "id", it.msg.ID, "err", err)
	}
	return err
}

// settleNow records the outcome of a message that will not be sent again (sent, or
// failed for good). When the outbox cannot take it now (the database is away), the
// message stays at the head of its lane, holding its lease, and the outcome is tried
// again (settleAgain): only a crash before it is recorded sends it a second time.
func (c *Courier) settleNow(it *item, write func(ctx context.Context) error) bool {
	if err := c.record(it, write); err == nil {
		if it.settle != nil {
			c.Log.Info("outbox outcome recorded after all", "id", it.msg.ID, "tries", it.settleTries+1)
		}
		return true
	}
	it.settle = write
	it.settleTries++
	it.due = c.Now().Add(min(c.cfg.QuickBackoff<<min(it.settleTries-1, 4), maxSettlePause))
	return false
}

// maxSettlePause bounds the pause between tries to record an outcome: the recipient's
// next messages wait behind it.
const maxSettlePause = 5 * time.Second

// settleAgain tries again to record an outcome (see settleNow). At the shutdown
// deadline it gives up: the message may then go out once more after its lease.
func (c *Courier) settleAgain(it *item) bool {
	if !c.sleepUntil(it.due) {
		c.Log.Warn("outbox outcome not recorded by the shutdown; the message may be sent again after its lease", "id", it.msg.ID)
		return true
	}
	return c.settleNow(it, it.settle)
}

// newKey names a reply for all its tries (channels.Outbound.Key); the outbox keeps it
// when the reply goes there.
func newKey() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// reason is a failure as the outbox keeps it: a provider's words may quote the number
// it refused.
func reason(err error) string { return channels.MaskDigits(err.Error()) }

// backoff is the wait before attempt n+1: Backoff * 2^(n-1), capped, with full jitter
// in its upper half so that many failed pushes do not retry in step.
func (c *Courier) backoff(attempt int) time.Duration {
	d := c.cfg.Backoff
	for i := 1; i < attempt && d < c.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.cfg.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// sleepUntil waits until t; false if the courier is told to stop first.
func (c *Courier) sleepUntil(t time.Time) bool {
	if t.IsZero() {
		return c.stop.Err() == nil
	}
	return c.sleepFor(t.Sub(c.Now()))
}

func (c *Courier) sleepFor(d time.Duration) bool {
	if d <= 0 {
		return c.stop.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-c.stop.Done():
		return false
	}
}

// allowed reports whether to is in one of cfg.Countries.
func (c *Courier) allowed(to string) bool {
	if len(c.cfg.Countries) == 0 {
		return true
	}
	for _, cc := range c.cfg.Countries {
		if strings.HasPrefix(to, "+"+cc) {
			return true
		}
	}
	return false
}
