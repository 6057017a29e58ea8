// Command silakso-load measures a running `silakso serve` as residents feel it. N
// virtual residents complete the whole intake, at most C at a time; each message is a
// signed Twilio webhook to 127.0.0.1, and the resident waits until the replies to it have
// reached the provider (a built-in fake of Twilio's REST API) before writing the next,
// as people do. It reports end-to-end latency (message posted to last reply accepted by
// the provider) and webhook latency separately, then checks that every resident who
// confirmed has exactly one case and received their ticket.
//
// The fake provider can answer slowly (--provider-delay 250ms, Twilio's API as seen
// from Indonesia) or fail some sends (--provider-errors 0.05); webhooks that fail are
// delivered again as Twilio does with connection overrides, then to the fallback URL.
// --echo first runs the same residents against a bare echo webhook in this process
// (signature check, reply through twilio-go, nothing else) for a ceiling, and prints
// serve's share of it. It sends nothing beyond loopback and stops by itself.
//
//	TWILIO_API_BASE_URL=http://127.0.0.1:8099 ... silakso serve &
//	silakso-load --residents 2000 --concurrency 64 --echo
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels/twilio/twiliotest"
	"github.com/dinsospmd-bateng/silakso/locales"
)

type options struct {
	target         string
	publicURL      string
	accountSID     string
	authToken      string
	fakeAddr       string
	databaseURL    string
	residents      int
	concurrency    int
	maxDuration    time.Duration
	providerDelay  time.Duration
	providerErrors float64
	replyTimeout   time.Duration
	webhookRetries int
	linger         time.Duration
	echo           bool
}

func main() {
	var o options
	flag.StringVar(&o.target, "target", "http://127.0.0.1:8080", "base URL of the running silakso serve (loopback only)")
	flag.StringVar(&o.publicURL, "public-url", envOr("SILAKSO_PUBLIC_URL", "https://silakso.example.go.id"), "the SILAKSO_PUBLIC_URL serve checks signatures against")
	flag.StringVar(&o.accountSID, "account-sid", envOr("TWILIO_ACCOUNT_SID", "ACf00dfeedf00dfeedf00dfeedf00dfeed"), "the TWILIO_ACCOUNT_SID serve uses")
	flag.StringVar(&o.authToken, "auth-token", envOr("TWILIO_AUTH_TOKEN", "0123456789abcdef0123456789abcdef"), "the TWILIO_AUTH_TOKEN serve uses")
	flag.StringVar(&o.fakeAddr, "fake-twilio", "127.0.0.1:8099", "address of the built-in fake Twilio API (serve's TWILIO_API_BASE_URL)")
	flag.StringVar(&o.databaseURL, "database-url", os.Getenv("SILAKSO_DATABASE_URL"), "serve's SILAKSO_DATABASE_URL, to count the cases filed")
	flag.IntVar(&o.residents, "residents", 2000, "residents who each complete one intake")
	flag.IntVar(&o.concurrency, "concurrency", 64, "residents writing at the same time")
	flag.DurationVar(&o.maxDuration, "max-duration", 5*time.Minute, "stop starting residents after this long")
	flag.DurationVar(&o.providerDelay, "provider-delay", 0, "how long the fake provider takes to answer each send (e.g. 250ms)")
	flag.Float64Var(&o.providerErrors, "provider-errors", 0, "share of sends the fake provider answers with a 500 (0 to 1)")
	flag.DurationVar(&o.replyTimeout, "reply-timeout", 30*time.Second, "how long a resident waits for a reply before writing the same again")
	flag.IntVar(&o.webhookRetries, "webhook-retries", 3, "deliveries of a failed webhook before the fallback URL, as Twilio's rc")
	flag.DurationVar(&o.linger, "linger", 2*time.Second, "how long each resident reads on after their ticket, to catch one sent twice")
	flag.BoolVar(&o.echo, "echo", false, "first measure a bare echo webhook in this process, for a ceiling")
	flag.Parse()
	if os.Getenv("GOGC") == "" {
		// The load generator shares the machine with what it measures: collecting less
		// often leaves more CPU to serve (as serve does for itself).
		debug.SetGCPercent(400)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "silakso-load:", err)
		os.Exit(1)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// loopback refuses any address that is not this machine.
func loopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return err
	}
	addrs, err := net.LookupIP(host)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if !a.IsLoopback() {
			return fmt.Errorf("%s is not a loopback address: the load command only talks to this machine", host)
		}
	}
	return nil
}

func run(ctx context.Context, o options, out io.Writer) error {
	target, err := url.Parse(o.target)
	if err != nil || target.Host == "" {
		return fmt.Errorf("--target %q: want http://127.0.0.1:PORT", o.target)
	}
	if err := loopback(target.Host); err != nil {
		return err
	}
	if err := loopback(o.fakeAddr); err != nil {
		return err
	}
	if o.residents < 1 || o.concurrency < 1 || o.providerErrors < 0 || o.providerErrors >= 1 {
		return errors.New("--residents and --concurrency must be at least 1, --provider-errors between 0 and 1")
	}

	// The fake Twilio API that serve (and the echo webhook) sends replies to; every
	// accepted message goes to the inbox of the resident it is for.
	cat, err := locales.Load()
	if err != nil {
		return err
	}
	inbox := twiliotest.NewInbox(cat)
	api := twiliotest.NewAPI(o.accountSID, o.authToken)
	api.Keep = false
	api.SetDelay(o.providerDelay)
	api.SetFailRate(o.providerErrors)
	api.Accepted = inbox.Deliver
	ln, err := net.Listen("tcp", o.fakeAddr)
	if err != nil {
		return fmt.Errorf("fake Twilio API on %s: %w", o.fakeAddr, err)
	}
	fake := &http.Server{Handler: api, ReadHeaderTimeout: 5 * time.Second}
	go fake.Serve(ln)
	defer fake.Close()

	crowd := func(target string) *twiliotest.Residents {
		return &twiliotest.Residents{
			Target: target, PublicURL: o.publicURL, AccountSID: o.accountSID, AuthToken: o.authToken,
			Inbox: inbox, Count: o.residents, Concurrency: o.concurrency, ReplyTimeout: o.replyTimeout,
			WebhookRetries: o.webhookRetries, MaxDuration: o.maxDuration,
		}
	}
	fmt.Fprintf(out, "provider           answers in %v, fails %.0f%% of sends\n", o.providerDelay, 100*o.providerErrors)

	var ceiling *twiliotest.Result
	if o.echo {
		echo, err := startEcho(o, "http://"+ln.Addr().String())
		if err != nil {
			return err
		}
		c := crowd(echo.url)
		c.Replies = func(i int) []int { return slices.Repeat([]int{1}, len(c.Script(i))) }
		c.NoTicket = true
		r := c.Run(ctx)
		echo.close()
		fmt.Fprintln(out, "== bare echo webhook (same residents, one reply per message): the ceiling")
		r.Print(out)
		ceiling = &r
	}

	client := &http.Client{Timeout: 5 * time.Second}
	if err := waitReady(ctx, client, o.target); err != nil {
		return err
	}
	c := crowd(o.target)
	c.Linger = o.linger
	r := c.Run(ctx)
	if o.echo {
		fmt.Fprintln(out, "== silakso serve")
	}
	r.Print(out)
	if ceiling != nil && ceiling.TurnsPerSecond() > 0 {
		fmt.Fprintf(out, "share of ceiling   %.0f%% of the echo webhook's turns/s\n", 100*r.TurnsPerSecond()/ceiling.TurnsPerSecond())
	}

	if o.databaseURL == "" {
		fmt.Fprintln(out, "cases              not checked (set --database-url or SILAKSO_DATABASE_URL)")
		return r.Check(-1)
	}
	cases, err := countCases(ctx, o.databaseURL, c.Tag)
	if err != nil {
		return fmt.Errorf("count cases: %w", err)
	}
	fmt.Fprintf(out, "cases filed        %d for %d residents who confirmed, %d of whom received their ticket\n", cases, r.Confirmed, r.Ticketed)
	return r.Check(cases)
}

// waitReady waits (up to 10 s) for serve's /healthz.
func waitReady(ctx context.Context, c *http.Client, target string) error {
	end := time.Now().Add(10 * time.Second)
	for {
		resp, err := c.Get(target + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if time.Now().After(end) || ctx.Err() != nil {
			return fmt.Errorf("silakso serve does not answer at %s/healthz: %v", target, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
