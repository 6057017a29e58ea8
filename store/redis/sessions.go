// Package redis keeps sessions in Redis (go-redis v9) so that several instances behind
// a load balancer share conversations, de-duplication, per-sender turn order and rate
// limits. A turn costs two round trips when nobody else writes from the same number:
// one script to take the turn and load the session, one to save and hand over.
package redis

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dinsospmd-bateng/silakso/store"
)

// Sessions is a store.Sessions on Redis.
type Sessions struct {
	rdb goredis.UniversalClient
	// piped runs the two scripts of every turn, on a plain client: go-redis's
	// auto-pipeliner sends the scripts of concurrent turns together, which took a
	// large share of serve's CPU and most of Redis's off each turn (README,
	// Performance). Nil for other clients: one round trip per script.
	piped    *goredis.AutoPipeliner
	releaser releaser
	prefix   string
	opts     store.SessionOptions
}

// NewSessions uses rdb with keys under prefix (e.g. "silakso:"), so that several
// deployments can share one Redis.
func NewSessions(rdb goredis.UniversalClient, prefix string, opts store.SessionOptions) *Sessions {
	s := &Sessions{rdb: rdb, prefix: prefix, opts: opts.WithDefaults()}
	if c, ok := rdb.(*goredis.Client); ok {
		// EXPERIMENTAL in go-redis v9.23; the conformance suite and the stall and
		// fault tests run on it. Its ordered, deferred face: a turn submits a script
		// and waits for it, under its own deadline.
		opts := goredis.DefaultAutoPipelineOptions()
		// While Redis stalls, scripts whose callers gave up wait in the pipeliner's
		// queue (a commit carries the session); the queue is bounded, and a turn that
		// finds it full fails at once and is delivered again later.
		opts.MaxQueuedCommands = maxQueuedScripts
		if ap, err := c.AsyncAutoPipelineWithOptions(opts); err == nil {
			s.piped = ap
		}
	}
	return s
}

func (s *Sessions) base(sender string) string { return s.prefix + "{" + sender + "}:" }

// Poll intervals while another turn of the same sender runs: short at first (most
// turns take a few milliseconds), then backing off so a queue of waiters does not load
// Redis. A waiter proves it is alive at every poll; one that has not for waiterTTL
// (its instance died) loses its place.
const (
	minPoll   = time.Millisecond
	maxPoll   = 25 * time.Millisecond
	waiterTTL = 2 * time.Second
)

// maxQueuedScripts bounds the scripts waiting in the pipeliner; a turn is two.
const maxQueuedScripts = 10_000

// clockMargin is how far Redis's clock may be behind ours before it refuses a request
// whose caller has not given up yet (see scripts.go); a request that runs late within
// the margin is undone by the caller's release.
const clockMargin = time.Second

// giveUpBy is the time, in unix ms for a script, after which the caller of a call with
// this deadline no longer waits for its answer.
func giveUpBy(ctx context.Context) int64 {
	d, _ := ctx.Deadline()
	return d.Add(clockMargin).UnixMilli()
}

// errGone: Redis says this turn was given up (see releaseScript).
var errGone = errors.New("redis: turn already given up")

// Begin implements store.Sessions. Every call to Redis has its own deadline
// (SessionOptions.CallTimeout), so a stalled Redis fails the turn in time for the
// caller to answer; a turn that fails or times out is given up in Redis, so that no
// lock is left held for a caller who has gone.
func (s *Sessions) Begin(ctx context.Context, a store.Arrival) (store.Turn, error) {
	base := s.base(a.Sender)
	t := &turn{s: s, base: base, token: newToken(), arrival: a}
	keys := []string{base + "h", base + "q", base + "s", base + "r"}
	score := strconv.FormatInt(a.At.UnixMicro(), 10)
	lockMS := strconv.FormatInt(s.opts.LockTTL.Milliseconds(), 10)
	windowMS := strconv.FormatInt(s.opts.RateWindow.Milliseconds(), 10)
	waiterMS := strconv.FormatInt(waiterTTL.Milliseconds(), 10)
	first := "1"
	poll := minPoll
	for {
		cctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
		res, err := s.run(cctx, beginScript, keys, t.token, score, lockMS, base, a.MessageID,
			first, s.opts.RateLimit, windowMS, waiterMS, giveUpBy(cctx)).Slice()
		cancel()
		if err != nil {
			t.giveUp()
			return nil, fmt.Errorf("redis: begin turn: %w", err)
		}
		first = "0"
		switch res[0] {
		case "ok":
			if v, ok := res[1].(string); ok {
				t.data = []byte(v)
			}
			return t, nil
		case "dup":
			return nil, store.ErrDuplicate
		case "slow":
			return nil, store.ErrSlowDown
		case "drop":
			return nil, store.ErrThrottled
		case "gone":
			return nil, errGone
		}
		// "wait": another turn of this sender runs.
		timer := time.NewTimer(poll/2 + rand.N(poll/2+1))
		select {
		case <-ctx.Done():
			timer.Stop()
			t.giveUp()
			return nil, ctx.Err()
		case <-timer.C:
		}
		poll = min(2*poll, maxPoll)
	}
}

// run calls a turn's script and returns at ctx's deadline even when Redis stalls (the
// pipeliner does not end a queued command at its context's deadline): the caller then
// gives up, and what Redis runs late is fenced by the scripts themselves (scripts.go).
func (s *Sessions) run(ctx context.Context, script *goredis.Script, keys []string, args ...any) *goredis.Cmd {
	if s.piped == nil {
		return script.Run(ctx, s.rdb, keys, args...)
	}
	cmd := s.evalSha(ctx, script, keys, args)
	if err := cmd.Err(); err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT") {
		// Redis restarted or was flushed: load the script and try once more.
		if err := script.Load(ctx, s.rdb).Err(); err != nil {
			return failed(ctx, err)
		}
		cmd = s.evalSha(ctx, script, keys, args)
	}
	return cmd
}

func (s *Sessions) evalSha(ctx context.Context, script *goredis.Script, keys []string, args []any) *goredis.Cmd {
	a := make([]any, 0, 3+len(keys)+len(args))
	a = append(a, "evalsha", script.Hash(), len(keys))
	for _, k := range keys {
		a = append(a, k)
	}
	cmd := goredis.NewCmd(ctx, append(a, args...)...)
	if err := s.piped.Submit(ctx, cmd).WaitContext(ctx); err != nil && ctx.Err() != nil {
		// The command is still queued and may run; only this wait ends.
		return failed(ctx, ctx.Err())
	}
	return cmd
}

func failed(ctx context.Context, err error) *goredis.Cmd {
	cmd := goredis.NewCmd(ctx)
	cmd.SetErr(err)
	return cmd
}

// Queued implements store.Sessions.
func (s *Sessions) Queued(ctx context.Context, sender string) (int, error) {
	base := s.base(sender)
	ctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
	defer cancel()
	n, err := queuedScript.Run(ctx, s.rdb, []string{base + "h", base + "q"}).Int()
	if err != nil {
		return 0, fmt.Errorf("redis: queued: %w", err)
	}
	return n, nil
}

// Close implements store.Sessions; the client belongs to the caller.
func (s *Sessions) Close() error { return nil }

// newToken names one turn; it only has to be unique among a sender's queued turns.
func newToken() string {
	var b [12]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type turn struct {
	s       *Sessions
	base    string
	token   string
	arrival store.Arrival
	data    []byte
	done    bool
}

func (t *turn) Session() []byte { return t.data }

func (t *turn) Commit(ctx context.Context, session []byte, ttl time.Duration) error {
	if t.done {
		return nil
	}
	del := "0"
	if session == nil {
		del = "1"
	}
	ctx, cancel := context.WithTimeout(ctx, t.s.opts.CallTimeout)
	defer cancel()
	ok, err := t.s.run(ctx, commitScript, []string{t.base + "h", t.base + "s"},
		t.token, t.base, t.arrival.MessageID, session, ttl.Milliseconds(), t.s.opts.DedupeTTL.Milliseconds(), del,
		giveUpBy(ctx)).Int()
	if err != nil {
		// The commit may still be run by Redis later; the release makes sure it then
		// finds the turn gone instead of saving over a newer turn.
		t.done = true
		t.giveUp()
		return fmt.Errorf("redis: commit turn: %w", err)
	}
	t.done = true
	if ok == 0 {
		return store.ErrLockLost
	}
	return nil
}

func (t *turn) Release() {
	if !t.done {
		t.done = true
		t.giveUp()
	}
}

// giveUp leaves the queue and marks the turn gone. It is tried at once with its own
// deadline (the caller's context may be why it gives up); if Redis does not take it,
// the store's releaser tries again until Redis does or the lock would have expired
// anyway: a Redis that stalled may run a late request for this turn when it wakes,
// and the release must come after it.
func (t *turn) giveUp() {
	if t.release() == nil {
		return
	}
	t.s.releaser.later(t)
}

// releaser sends the releases Redis did not take, with one goroutine for all of them
// and a bounded number pending: while Redis is down every failing turn leaves one.
type releaser struct {
	mu      sync.Mutex
	pending map[string]pendingRelease
	running bool
}

type pendingRelease struct {
	t     *turn
	until time.Time
}

// maxPendingReleases bounds the releases kept; past it a lock simply expires.
const maxPendingReleases = 10_000

func (r *releaser) later(t *turn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending == nil {
		r.pending = map[string]pendingRelease{}
	}
	if len(r.pending) >= maxPendingReleases {
		return
	}
	r.pending[t.token] = pendingRelease{t, time.Now().Add(t.s.opts.LockTTL)}
	if !r.running {
		r.running = true
		go r.run()
	}
}

// run tries the pending releases every 250 ms, and stops when none is left. While the
// first one tried fails (Redis still away) the others wait for the next round.
func (r *releaser) run() {
	for {
		time.Sleep(250 * time.Millisecond)
		r.mu.Lock()
		if len(r.pending) == 0 {
			r.running = false
			r.mu.Unlock()
			return
		}
		batch := make([]pendingRelease, 0, len(r.pending))
		for _, p := range r.pending {
			batch = append(batch, p)
		}
		r.mu.Unlock()
		now := time.Now()
		for _, p := range batch {
			done := now.After(p.until)
			if !done {
				if p.t.release() != nil {
					break
				}
				done = true
			}
			r.mu.Lock()
			delete(r.pending, p.t.token)
			r.mu.Unlock()
		}
	}
}

func (t *turn) release() error {
	ctx, cancel := context.WithTimeout(context.Background(), t.s.opts.CallTimeout)
	defer cancel()
	return releaseScript.Run(ctx, t.s.rdb, []string{t.base + "h", t.base + "q"}, t.token, t.base,
		t.s.opts.LockTTL.Milliseconds()).Err()
}
