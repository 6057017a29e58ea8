package main

import (
	"bufio"
	"bytes"
	"context"
	"maps"
	"net"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/bot/bottest"
	"github.com/dinsospmd-bateng/silakso/channels/twilio/twiliotest"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// childEnv marks a run of this test binary as `silakso` itself, so that a test can start
// the real program as a process of its own and kill it.
const childEnv = "SILAKSO_TEST_PROCESS"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(runProcess(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// personalData is a resident's full phone number or a NIK.
var personalData = regexp.MustCompile(`\+?62899\d{9}|\b1904\d{12}\b`)

// process is `silakso serve` running as a child process, on a fixed address so that it
// can be killed and started again where residents and Twilio expect it.
type process struct {
	t    *testing.T
	env  map[string]string
	addr string

	mu   sync.Mutex
	cmd  *exec.Cmd
	logs bytes.Buffer
	done chan struct{}
}

// freeAddr finds a loopback port nobody listens on.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProcess runs serve with env (SILAKSO_HTTP_ADDR is set here) and waits until it
// listens. The process is killed when the test ends.
func startProcess(t *testing.T, env map[string]string) *process {
	t.Helper()
	p := &process{t: t, env: env, addr: freeAddr(t)}
	env["SILAKSO_HTTP_ADDR"] = p.addr
	p.start()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("serve's log:\n%s", p.log())
		}
		// Residents' numbers appear masked (+62899****1234), NIKs not at all.
		if leak := personalData.FindString(p.log()); leak != "" {
			t.Errorf("personal data in the log: %q", leak)
		}
	})
	return p
}

func (p *process) url() string { return "http://" + p.addr }

func (p *process) start() {
	p.t.Helper()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = []string{childEnv + "=1", "PATH=" + os.Getenv("PATH")}
	for k, v := range p.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.logs}
	p.mu.Unlock()
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "silakso serving on") {
		<-done
		p.t.Fatalf("serve did not start (%v):\n%s", err, p.log())
	}
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
}

// kill9 kills the process as a power cut would: no shutdown of any kind.
func (p *process) kill9() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// sigterm asks the process to stop and returns how long it took to exit.
func (p *process) sigterm() time.Duration {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		p.t.Errorf("serve still running 2 minutes after SIGTERM")
		p.kill9()
	}
	return time.Since(start)
}

func (p *process) kill() {
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	if cmd != nil && cmd.ProcessState == nil {
		p.kill9()
	}
}

func (p *process) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// site is what a fault test runs against: PostgreSQL and Redis of its own (reached
// through proxies the test can break), a fake Twilio API whose accepted messages ring
// the residents' phones, and the environment for serve.
type site struct {
	t     *testing.T
	pgURL string // direct, for the test's own queries
	pg    *storetest.Proxy
	redis *storetest.Proxy
	// redisAddr is the Redis behind the redis proxy.
	redisAddr string
	api       *twiliotest.API
	inbox     *twiliotest.Inbox
	env       map[string]string
	dataDir   string
}

func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{t: t, pgURL: storetest.PostgresDatabase(t), dataDir: t.TempDir()}
	u, err := url.Parse(s.pgURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb, prefix := storetest.Redis(t)
	s.redisAddr = rdb.Options().Addr
	s.pg = storetest.NewProxy(t, u.Host)
	s.redis = storetest.NewProxy(t, s.redisAddr)

	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	s.inbox = twiliotest.NewInbox(cat)
	s.api = twiliotest.NewAPI(testSID, testToken)
	s.api.Keep = false
	s.api.Accepted = s.inbox.Deliver
	fake := httptest.NewServer(s.api)
	t.Cleanup(fake.Close)
	s.env = map[string]string{
		"SILAKSO_REDIS_PREFIX": prefix, "SILAKSO_DATA_DIR": s.dataDir, "SILAKSO_LOG_LEVEL": "warn",
		"SILAKSO_PUBLIC_URL": testURL, "TWILIO_ACCOUNT_SID": testSID, "TWILIO_AUTH_TOKEN": testToken,
		"TWILIO_WEBHOOK_RETRIES": "on", // as README step 3 sets Twilio up
		"TWILIO_FROM":            "+6281100001111", "TWILIO_API_BASE_URL": fake.URL,
	}
	s.route(s.env, s.pg, s.redis)
	return s
}

// route sets env to reach PostgreSQL and Redis through the given proxies.
func (s *site) route(env map[string]string, pg, redis *storetest.Proxy) {
	u, err := url.Parse(s.pgURL)
	if err != nil {
		s.t.Fatal(err)
	}
	u.Host = pg.Addr()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	env["SILAKSO_DATABASE_URL"] = u.String()
	env["SILAKSO_DATA_KEY"] = testDataKey
	env["SILAKSO_REDIS_URL"] = "redis://" + redis.Addr() + "/0"
}

// ownPaths is the site's environment with proxies of its own to PostgreSQL and Redis,
// for an instance whose network the test breaks apart from the others'.
func (s *site) ownPaths() (env map[string]string, pg, redis *storetest.Proxy) {
	u, err := url.Parse(s.pgURL)
	if err != nil {
		s.t.Fatal(err)
	}
	pg, redis = storetest.NewProxy(s.t, u.Host), storetest.NewProxy(s.t, s.redisAddr)
	env = maps.Clone(s.env)
	s.route(env, pg, redis)
	return env, pg, redis
}

// crowd is n residents writing to p, Twilio-style: up to five repeats of a failed
// webhook a second apart (Twilio's most, within its 15 s), then the fallback URL.
func (s *site) crowd(p *process, n, concurrency int) *twiliotest.Residents {
	return &twiliotest.Residents{
		Target: p.url(), PublicURL: testURL, AccountSID: testSID, AuthToken: testToken, Inbox: s.inbox,
		Count: n, Concurrency: concurrency, WebhookRetries: 5, RetryPause: time.Second,
		ReplyTimeout: 10 * time.Second, TicketWait: time.Minute, Linger: 300 * time.Millisecond,
	}
}

// untilLast and last split the scripts: everything up to the summary, then YA alone.
func untilLast[T any](f func(int) []T) func(int) []T {
	return func(i int) []T { s := f(i); return s[:len(s)-1] }
}

// one is a single reply to the single message of a crowd that only confirms, when the
// filing is parked: "saved, the ticket follows" (the ticket itself is waited for apart).
func one(int) []int { return []int{1} }

// confirming is a crowd of the residents of c, at the summary, who send YA.
func (s *site) confirming(p *process, c *twiliotest.Residents) *twiliotest.Residents {
	yes := s.crowd(p, c.Count, c.Count)
	yes.Tag, yes.FirstMessage, yes.AtSummary = c.Tag, 100, true
	yes.Script, yes.Replies = lastOnly(bottest.Script), lastOnly(bottest.Replies)
	return yes
}

// atSummary runs n residents through the intake up to the summary.
func (s *site) atSummary(p *process, n int) *twiliotest.Residents {
	s.t.Helper()
	c := s.crowd(p, n, n)
	c.Script, c.Replies, c.NoTicket = untilLast(bottest.Script), untilLast(bottest.Replies), true
	if r := c.Run(context.Background()); r.Completed != n {
		report(s.t, "before confirming", r)
		s.t.Fatal("residents did not reach the summary")
	}
	return c
}

// redisServer is a Redis of the test's own that keeps nothing on disk, which the test can
// restart (and so empty).
type redisServer struct {
	t    *testing.T
	addr string
	cmd  *exec.Cmd
}

func startRedis(t *testing.T) *redisServer {
	r := &redisServer{t: t, addr: freeAddr(t)}
	r.start()
	t.Cleanup(func() { r.cmd.Process.Kill(); r.cmd.Wait() })
	return r
}

func (r *redisServer) start() {
	_, port, _ := net.SplitHostPort(r.addr)
	r.cmd = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.t.TempDir())
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("redis-server: %v (bash .ci/services installs it)", err)
	}
	if !waitUntil(10*time.Second, func() bool {
		c, err := net.Dial("tcp", r.addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		r.t.Fatal("redis-server did not start")
	}
}

// restart kills Redis (everything it held is gone) and starts it again.
func (r *redisServer) restart() {
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.start()
}

func lastOnly[T any](f func(int) []T) func(int) []T {
	return func(i int) []T { s := f(i); return s[len(s)-1:] }
}

// outcome checks what the residents of r ended with, in the case database and on their
// phones: every resident who confirmed has a case, nobody has two, and everyone with a
// case received the ticket. It returns the number of cases.
func (s *site) outcome(r *twiliotest.Residents, res twiliotest.Result) int {
	s.t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.pgURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT filer, count(*) FROM cases WHERE intake_id LIKE $1 GROUP BY filer`, "%/SM"+r.Tag+"%")
	if err != nil {
		s.t.Fatal(err)
	}
	cases := map[string]int{}
	for rows.Next() {
		var filer string
		var n int
		if err := rows.Scan(&filer, &n); err != nil {
			s.t.Fatal(err)
		}
		cases[filer] = n
	}
	if err := rows.Err(); err != nil {
		s.t.Fatal(err)
	}
	total, noTicket, twice := 0, 0, 0
	for filer, n := range cases {
		total += n
		if n > 1 {
			twice++
		}
		if res.Tickets[filer] == 0 {
			noTicket++
		}
	}
	missing := 0
	for _, phone := range res.ConfirmedPhones {
		if cases[phone] == 0 {
			missing++
		}
	}
	if missing > 0 || twice > 0 || noTicket > 0 {
		s.t.Errorf("%d residents who confirmed have no case, %d have two, %d with a case never received the ticket (%d cases, %d confirmed)",
			missing, twice, noTicket, total, len(res.ConfirmedPhones))
	}
	return total
}

func report(t *testing.T, what string, r twiliotest.Result) {
	var b strings.Builder
	r.Print(&b)
	t.Logf("%s:\n%s", what, b.String())
}

// waitUntil polls cond for up to d.
func waitUntil(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}
