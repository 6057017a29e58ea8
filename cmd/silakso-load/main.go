// Command silakso-load measures a running `silakso serve` the way Twilio would load it:
// N residents complete the whole intake at once, each message a signed webhook to
// 127.0.0.1, while a built-in fake of Twilio's REST API absorbs the replies. It reports
// turns per second, latency percentiles and errors, and checks that every completed
// intake became exactly one case in the database. It sends nothing beyond loopback and
// stops by itself.
//
//	TWILIO_API_BASE_URL=http://127.0.0.1:8099 ... silakso serve &
//	silakso-load --residents 2000 --concurrency 64
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels/twilio/twiliotest"
)

type options struct {
	target      string
	publicURL   string
	accountSID  string
	authToken   string
	fakeAddr    string
	databaseURL string
	residents   int
	concurrency int
	maxDuration time.Duration
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
	flag.DurationVar(&o.maxDuration, "max-duration", 5*time.Minute, "stop sending after this long")
	flag.Parse()

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

	// The fake Twilio API that serve sends its replies to.
	api := twiliotest.NewAPI(o.accountSID, o.authToken)
	api.Keep = false
	ln, err := net.Listen("tcp", o.fakeAddr)
	if err != nil {
		return fmt.Errorf("fake Twilio API on %s: %w", o.fakeAddr, err)
	}
	fake := &http.Server{Handler: api, ReadHeaderTimeout: 5 * time.Second}
	go fake.Serve(ln)
	defer fake.Close()

	client := &http.Client{
		Timeout: 20 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns: o.concurrency * 2, MaxIdleConnsPerHost: o.concurrency * 2,
			IdleConnTimeout: 30 * time.Second,
		},
	}
	if err := waitReady(ctx, client, o.target); err != nil {
		return err
	}

	run := newRunID()
	deadline := time.Now().Add(o.maxDuration)
	jobs := make(chan int)
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      atomic.Int64
		completed atomic.Int64
		firstErr  atomic.Value
	)
	var wg sync.WaitGroup
	start := time.Now()
	for range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1024)
			for i := range jobs {
				ok := true
				for k, text := range script(i) {
					if ctx.Err() != nil || time.Now().After(deadline) {
						ok = false
						break
					}
					d, err := sendWebhook(client, o, run, i, k, text)
					if err != nil {
						errs.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
						ok = false
						break
					}
					local = append(local, d)
				}
				if ok {
					completed.Add(1)
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	for i := 0; i < o.residents && ctx.Err() == nil && time.Now().Before(deadline); i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)

	// Replies leave serve in the background; give the last ones a moment to arrive.
	time.Sleep(500 * time.Millisecond)
	replies, _ := api.Count()

	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	turns := len(latencies)
	fmt.Fprintf(out, "residents          %d completed of %d started, %d writing at once\n", completed.Load(), o.residents, o.concurrency)
	fmt.Fprintf(out, "turns              %d in %.2f s = %.0f turns/s\n", turns, elapsed.Seconds(), float64(turns)/elapsed.Seconds())
	fmt.Fprintf(out, "latency per turn   p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  max %.2f ms\n",
		ms(pct(.50)), ms(pct(.95)), ms(pct(.99)), ms(pct(1)))
	fmt.Fprintf(out, "errors             %d\n", errs.Load())
	if e := firstErr.Load(); e != nil {
		fmt.Fprintf(out, "first error        %s\n", e)
	}
	fmt.Fprintf(out, "replies to Twilio  %d (fake API)\n", replies)

	if o.databaseURL == "" {
		fmt.Fprintln(out, "cases              not checked (set --database-url or SILAKSO_DATABASE_URL)")
		return nil
	}
	cases, err := countCases(ctx, o.databaseURL, run)
	if err != nil {
		return fmt.Errorf("count cases: %w", err)
	}
	fmt.Fprintf(out, "cases filed        %d for %d completed intakes\n", cases, completed.Load())
	if cases != completed.Load() || errs.Load() > 0 {
		return fmt.Errorf("check failed: %d cases for %d completed intakes, %d errors", cases, completed.Load(), errs.Load())
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

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

// sendWebhook posts one signed inbound SMS and returns how long serve took to answer.
func sendWebhook(c *http.Client, o options, run string, resident, k int, text string) (time.Duration, error) {
	form := url.Values{
		"MessageSid": {messageSID(run, resident, k)}, "AccountSid": {o.accountSID},
		"From": {phone(run, resident)}, "To": {"+6281100001111"}, "Body": {text},
		"NumMedia": {"0"}, "NumSegments": {"1"}, "SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"},
	}
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, o.target+"/twilio/messages", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Sign(o.authToken, strings.TrimSuffix(o.publicURL, "/")+"/twilio/messages", form))
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != 200 {
		return d, fmt.Errorf("webhook answered %d", resp.StatusCode)
	}
	return d, nil
}
