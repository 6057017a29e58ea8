package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels/twilio"
	"github.com/dinsospmd-bateng/silakso/channels/twilio/twiliotest"
)

// load is one measured run: residents against one webhook base URL.
type load struct {
	o      options
	base   string
	client *http.Client
	box    *inboxes
	// echo: the bare echo webhook answers every message with exactly one reply.
	echo bool
	run_ string
}

func newLoad(o options, base string, client *http.Client, box *inboxes, echo bool) *load {
	return &load{o: o, base: base, client: client, box: box, echo: echo, run_: newRunID()}
}

// run lets the residents write, at most o.concurrency at a time, and collects what they
// saw.
func (l *load) run(ctx context.Context) result {
	deadline := time.Now().Add(l.o.maxDuration)
	jobs := make(chan int)
	results := make(chan resident, l.o.concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for range l.o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results <- l.resident(ctx, i)
			}
		}()
	}
	go func() {
		for i := 0; i < l.o.residents && ctx.Err() == nil && time.Now().Before(deadline); i++ {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	var r result
	r.concurrency = l.o.concurrency
	for res := range results {
		r.add(res)
	}
	r.elapsed = time.Since(start)
	return r
}

// resident is what one virtual resident went through.
type resident struct {
	started, completed, confirmed, ticketed, stuck bool
	endToEnd, webhook                              []time.Duration
	retries, fallbacks, noReply, errors            int
	firstErr                                       string
}

// resident writes one whole intake, waiting for the replies to each message before the
// next, as a person with a phone does. A resident who gets no reply writes the same
// again once (a person would); one who still gets none gives up.
func (l *load) resident(ctx context.Context, i int) resident {
	res := resident{started: true}
	number := phone(l.run_, i)
	inbox := l.box.open(number)
	defer l.box.close(number)
	steps, want := script(i), replies(i)
	sent := 0
	for k, text := range steps {
		expect := want[k]
		if l.echo {
			expect = 1
		}
		begin := time.Now()
		var got int
		var last time.Time
		for try := 0; got < expect; try++ {
			if try == 2 || ctx.Err() != nil {
				res.stuck = true
				return res
			}
			if try == 1 {
				res.noReply++
			}
			sent++
			d, retries, fallback, err := l.post(messageSID(l.run_, i, sent), number, text)
			res.retries += retries
			if fallback {
				res.fallbacks++
			}
			if err != nil {
				res.errors++
				if res.firstErr == "" {
					res.firstErr = err.Error()
				}
				return res
			}
			res.webhook = append(res.webhook, d)
			if k == len(steps)-1 {
				res.confirmed = true
			}
			timeout := time.NewTimer(l.o.replyTimeout)
		wait:
			for got < expect {
				select {
				case a := <-inbox:
					got++
					last = a.at
					res.ticketed = res.ticketed || a.ticket
				case <-timeout.C:
					break wait
				}
			}
			timeout.Stop()
		}
		res.endToEnd = append(res.endToEnd, last.Sub(begin))
	}
	res.completed = true
	if res.confirmed && !res.ticketed && !l.echo {
		// The ticket may come later than the first answer (the filing was parked while
		// the database was down): wait for it as a resident would.
		timeout := time.After(l.o.replyTimeout)
		for !res.ticketed {
			select {
			case a := <-inbox:
				res.ticketed = a.ticket
			case <-timeout:
				return res
			}
		}
	}
	return res
}

// post delivers one signed inbound SMS as Twilio would: a delivery that fails (no
// connection, a time-out, a 5xx) is repeated up to o.webhookRetries times, then sent to
// the fallback URL once. It returns how long the answered request took.
func (l *load) post(sid, from, text string) (d time.Duration, retries int, fallback bool, err error) {
	form := url.Values{
		"MessageSid": {sid}, "SmsMessageSid": {sid}, "AccountSid": {l.o.accountSID},
		"From": {from}, "To": {"+6281100001111"}, "Body": {text},
		"NumMedia": {"0"}, "NumSegments": {"1"}, "SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"},
	}
	for attempt := 0; ; attempt++ {
		path := twilio.MessagesPath
		if attempt > l.o.webhookRetries {
			path += "?" + twilio.FallbackQuery + "=1"
			fallback = true
		}
		d, err = l.do(path, form)
		if err == nil {
			return d, attempt, fallback, nil
		}
		if fallback {
			return d, attempt, fallback, err
		}
		time.Sleep(time.Second)
	}
}

func (l *load) do(path string, form url.Values) (time.Duration, error) {
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, l.base+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Sign(l.o.authToken, strings.TrimSuffix(l.o.publicURL, "/")+path, form))
	start := time.Now()
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode/100 != 2 {
		return d, fmt.Errorf("webhook answered %d", resp.StatusCode)
	}
	return d, nil
}
