package twiliotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/bottest"
	"github.com/dinsospmd-bateng/silakso/locales"
)

// Inbox routes what the fake API accepts to the virtual resident it is for, like a
// phone that rings. Set API.Accepted to its Deliver.
type Inbox struct {
	// IsTicket recognises the message that gives a resident their ticket, IsSummary the
	// summary a resident confirms with YA (nil: any message before YA counts as one).
	IsTicket, IsSummary func(body string) bool

	mu    sync.RWMutex
	boxes map[string]chan arrival
}

type arrival struct {
	at              time.Time
	ticket, summary bool
}

// NewInbox makes an inbox that tells the ticket and the summary by their openings in
// the catalog: the two messages that give a ticket (at once, or when a parked filing
// was filed) and the summary before YA.
func NewInbox(cat *locales.Catalog) *Inbox {
	opening := func(key, field string) string {
		text := cat.Text(locales.Default, locales.M(key, field, "\x00"))
		return text[:strings.IndexByte(text, 0)]
	}
	tickets := []string{opening("intake.submitted", "Ticket"), opening("intake.later.filed", "Ticket")}
	summary := opening("intake.summary", "Relation")
	return &Inbox{
		IsTicket: func(body string) bool {
			return strings.HasPrefix(body, tickets[0]) || strings.HasPrefix(body, tickets[1])
		},
		IsSummary: func(body string) bool { return strings.HasPrefix(body, summary) },
		boxes:     map[string]chan arrival{},
	}
}

func (b *Inbox) open(phone string) <-chan arrival {
	ch := make(chan arrival, 64)
	b.mu.Lock()
	b.boxes[phone] = ch
	b.mu.Unlock()
	return ch
}

func (b *Inbox) close(phone string) {
	b.mu.Lock()
	delete(b.boxes, phone)
	b.mu.Unlock()
}

// Deliver hands a message the fake API accepted to its resident. Messages for numbers
// nobody waits on (officers' notices) are dropped.
func (b *Inbox) Deliver(to, body string) {
	a := arrival{at: time.Now(), ticket: b.IsTicket != nil && b.IsTicket(body),
		summary: b.IsSummary == nil || b.IsSummary(body)}
	b.mu.RLock()
	ch := b.boxes[to]
	b.mu.RUnlock()
	if ch == nil {
		return
	}
	select {
	case ch <- a:
	default:
	}
}

// Residents is a crowd of virtual residents who each write a whole intake to a webhook
// as Twilio delivers SMS: each message a signed webhook, repeated when it fails (no
// connection, a time-out, a 5xx) as Twilio does with connection overrides, then sent to
// the fallback URL. A resident waits for the replies to a message before writing the
// next, as people do; one who gets none writes the same again once, then gives up.
type Residents struct {
	// Target is the webhook's base URL (http://127.0.0.1:PORT).
	Target                           string
	PublicURL, AccountSID, AuthToken string
	Client                           *http.Client
	Inbox                            *Inbox
	// Count residents write, Concurrency at a time.
	Count, Concurrency int
	// Script is what resident i writes and Replies how many messages each step brings
	// back (defaults bottest.Script and bottest.Replies).
	Script  func(i int) []string
	Replies func(i int) []int
	// Tag marks phone numbers and message ids (default: new and random); a second crowd
	// with the same Tag continues the same residents, with messages numbered from
	// FirstMessage on.
	Tag          string
	FirstMessage int
	// ReplyTimeout is how long a resident waits for replies (default 30 s); one who
	// confirmed but got no ticket waits TicketWait more for it (default the same).
	ReplyTimeout, TicketWait time.Duration
	// WebhookRetries deliveries of a failed webhook follow the first, RetryPause apart,
	// before the fallback URL (defaults 3 and 1 s; Twilio allows up to 5 within 15 s).
	WebhookRetries int
	RetryPause     time.Duration
	// MaxDuration stops starting residents after this long (default: no limit).
	MaxDuration time.Duration
	// OnConfirmed, if set, is told when resident i's last message was accepted.
	OnConfirmed func(i int)
	// NoTicket: the webhook gives no tickets (an echo); nobody waits for one.
	NoTicket bool
	// AtSummary: the residents start at the summary (a crowd that only confirms).
	AtSummary bool
	// Linger is how long a resident keeps reading after their ticket, to see one sent
	// twice (default 0: the load command measures throughput, fault tests look).
	Linger time.Duration
}

// NewTag makes a fresh Tag.
func NewTag() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Phone is resident i's number: +62 899, four digits of the run, five of i.
func (r *Residents) Phone(i int) string {
	var n uint32
	fmt.Sscanf(r.Tag[:4], "%x", &n)
	return fmt.Sprintf("+62899%04d%05d", n%10000, i%100000)
}

// MessageSID is a Twilio-shaped id (SM + 32 hex digits) carrying the run, the resident
// and the message number; cases filed in a run have it in their intake id.
func (r *Residents) MessageSID(i, k int) string {
	return fmt.Sprintf("SM%s%016x%08x", r.Tag, i, k)
}

// Result is what a crowd went through.
type Result struct {
	Concurrency                             int
	Elapsed                                 time.Duration
	Started, Completed, Confirmed, Ticketed int
	// TicketedTwice counts residents who got their ticket more than once.
	TicketedTwice int
	Stuck         int
	// Retries and Fallbacks count webhook deliveries beyond the first; Failed those
	// that failed even at the fallback URL.
	Retries, Fallbacks, Failed int
	NoReply                    int
	FirstErr                   string
	EndToEnd, Webhook          []time.Duration
	// Tickets is how many ticket messages each resident's phone received, and
	// ConfirmedPhones who confirmed.
	Tickets         map[string]int
	ConfirmedPhones []string
}

func (r *Residents) defaults() {
	if r.Script == nil {
		r.Script = bottest.Script
	}
	if r.Replies == nil {
		r.Replies = bottest.Replies
	}
	if r.Tag == "" {
		r.Tag = NewTag()
	}
	if r.ReplyTimeout == 0 {
		r.ReplyTimeout = 30 * time.Second
	}
	if r.TicketWait == 0 {
		r.TicketWait = r.ReplyTimeout
	}
	if r.WebhookRetries == 0 {
		r.WebhookRetries = 3
	}
	if r.RetryPause == 0 {
		r.RetryPause = time.Second
	}
	if r.Concurrency == 0 {
		r.Concurrency = 1
	}
	if r.Client == nil {
		r.Client = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
			MaxIdleConns: r.Concurrency * 2, MaxIdleConnsPerHost: r.Concurrency * 2, IdleConnTimeout: 30 * time.Second}}
	}
}

// Run lets the residents write and collects what they went through.
func (r *Residents) Run(ctx context.Context) Result {
	r.defaults()
	var deadline time.Time
	if r.MaxDuration > 0 {
		deadline = time.Now().Add(r.MaxDuration)
	}
	jobs := make(chan int)
	results := make(chan resident, r.Concurrency)
	// writers is the residents writing, at most Concurrency; readers those who have
	// written everything and only read on (a ticket to come, a copy of it), who take
	// no slot: a phone that waits for an SMS sends nothing.
	var writers, readers sync.WaitGroup
	start := time.Now()
	var written time.Duration
	for range r.Concurrency {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range jobs {
				one, inbox := r.resident(ctx, i)
				readers.Add(1)
				go func() {
					defer readers.Done()
					results <- r.readOn(one, inbox)
				}()
			}
		}()
	}
	go func() {
		for i := 0; i < r.Count && ctx.Err() == nil && (deadline.IsZero() || time.Now().Before(deadline)); i++ {
			jobs <- i
		}
		close(jobs)
		writers.Wait()
		written = time.Since(start)
		readers.Wait()
		close(results)
	}()
	res := Result{Concurrency: r.Concurrency, Tickets: map[string]int{}}
	for one := range results {
		res.add(one)
	}
	// Throughput is over the writing; reading on for late tickets is not turns.
	res.Elapsed = written
	return res
}

type resident struct {
	phone string
	// confirmed: the resident's last message (YA) was accepted right after they saw the
	// summary; one whose conversation went astray (a reply lost in a crash, the same
	// answer written twice) sends YA somewhere else and has confirmed nothing.
	started, completed, confirmed, stuck bool
	tickets                              int
	endToEnd, webhook                    []time.Duration
	retries, fallbacks, noReply, failed  int
	firstErr                             string
}

// resident writes resident i's messages, each after the replies to the one before, and
// returns what happened with the phone's inbox, still open for readOn.
func (r *Residents) resident(ctx context.Context, i int) (resident, <-chan arrival) {
	number := r.Phone(i)
	res := resident{started: true, phone: number}
	inbox := r.Inbox.open(number)
	steps, want := r.Script(i), r.Replies(i)
	sent := r.FirstMessage
	atSummary := r.AtSummary
steps:
	for k, text := range steps {
		begin := time.Now()
		got, last := 0, begin
		for try := 0; got < want[k]; try++ {
			if try == 2 || ctx.Err() != nil {
				// Someone who confirmed still waits for the ticket below.
				res.stuck = true
				break steps
			}
			if try == 1 {
				res.noReply++
			}
			d, retries, fallback, err := r.post(r.MessageSID(i, sent), number, text)
			sent++
			res.retries += retries
			if fallback {
				res.fallbacks++
			}
			if err != nil {
				res.failed++
				if res.firstErr == "" {
					res.firstErr = err.Error()
				}
				return res, inbox
			}
			res.webhook = append(res.webhook, d)
			if k == len(steps)-1 && atSummary && !res.confirmed {
				res.confirmed = true
				if r.OnConfirmed != nil {
					r.OnConfirmed(i)
				}
			}
			timeout := time.NewTimer(r.ReplyTimeout)
		wait:
			for got < want[k] {
				select {
				case a := <-inbox:
					got++
					last = a.at
					atSummary = a.summary
					if a.ticket {
						res.tickets++
					}
				case <-timeout.C:
					break wait
				}
			}
			timeout.Stop()
		}
		res.endToEnd = append(res.endToEnd, last.Sub(begin))
	}
	res.completed = !res.stuck
	return res, inbox
}

// readOn waits, as a person would, for a ticket that comes later than the first answer
// (the filing was parked while the database was down, or its sender crashed), then
// reads on for Linger to see one sent twice; then it closes the inbox.
func (r *Residents) readOn(res resident, inbox <-chan arrival) resident {
	defer r.Inbox.close(res.phone)
	if res.confirmed && res.tickets == 0 && !r.NoTicket {
		// The ticket may come later than the first answer (the filing was parked while
		// the database was down, or its sender crashed): wait for it as a person would.
		timeout := time.After(r.TicketWait)
		for res.tickets == 0 {
			select {
			case a := <-inbox:
				if a.ticket {
					res.tickets++
				}
			case <-timeout:
				return res
			}
		}
	}
	if r.Linger == 0 {
		return res
	}
	linger := time.After(r.Linger)
	for {
		select {
		case a := <-inbox:
			if a.ticket {
				res.tickets++
			}
		case <-linger:
			return res
		}
	}
}

// post delivers one signed inbound SMS as Twilio would and returns how long the
// answered request took.
func (r *Residents) post(sid, from, text string) (d time.Duration, retries int, fallback bool, err error) {
	form := url.Values{
		"MessageSid": {sid}, "SmsMessageSid": {sid}, "AccountSid": {r.AccountSID},
		"From": {from}, "To": {"+6281100001111"}, "Body": {text},
		"NumMedia": {"0"}, "NumSegments": {"1"}, "SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"},
	}
	for attempt := 0; ; attempt++ {
		path := "/twilio/messages"
		if attempt > r.WebhookRetries {
			path += "?fallback=1"
			fallback = true
		}
		d, err = r.do(path, form)
		if err == nil || fallback {
			return d, attempt, fallback, err
		}
		time.Sleep(r.RetryPause)
	}
}

func (r *Residents) do(path string, form url.Values) (time.Duration, error) {
	req, err := http.NewRequest(http.MethodPost, r.Target+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", Sign(r.AuthToken, strings.TrimSuffix(r.PublicURL, "/")+path, form))
	start := time.Now()
	resp, err := r.Client.Do(req)
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

func (res *Result) add(one resident) {
	count := func(n *int, yes bool) {
		if yes {
			*n++
		}
	}
	if one.tickets > 0 {
		res.Tickets[one.phone] = one.tickets
	}
	if one.confirmed {
		res.ConfirmedPhones = append(res.ConfirmedPhones, one.phone)
	}
	count(&res.Started, one.started)
	count(&res.Completed, one.completed)
	count(&res.Confirmed, one.confirmed)
	count(&res.Ticketed, one.confirmed && one.tickets > 0)
	count(&res.TicketedTwice, one.tickets > 1)
	count(&res.Stuck, one.stuck)
	res.Retries += one.retries
	res.Fallbacks += one.fallbacks
	res.NoReply += one.noReply
	res.Failed += one.failed
	if res.FirstErr == "" {
		res.FirstErr = one.firstErr
	}
	res.EndToEnd = append(res.EndToEnd, one.endToEnd...)
	res.Webhook = append(res.Webhook, one.webhook...)
}

// Turns is how many messages got their replies.
func (res Result) Turns() int { return len(res.EndToEnd) }

// TurnsPerSecond is Turns over the run's time.
func (res Result) TurnsPerSecond() float64 {
	if res.Elapsed <= 0 {
		return 0
	}
	return float64(res.Turns()) / res.Elapsed.Seconds()
}

// Percentiles formats p50, p95, p99 and max of ds.
func Percentiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) float64 {
		return float64(s[min(len(s)-1, int(p*float64(len(s))))]) / float64(time.Millisecond)
	}
	return fmt.Sprintf("p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms", at(.50), at(.95), at(.99), at(1))
}

// Print writes the result as the load command reports it.
func (res Result) Print(out io.Writer) {
	fmt.Fprintf(out, "residents          %d completed of %d started, %d writing at once\n", res.Completed, res.Started, res.Concurrency)
	fmt.Fprintf(out, "turns              %d in %.2f s = %.0f turns/s\n", res.Turns(), res.Elapsed.Seconds(), res.TurnsPerSecond())
	fmt.Fprintf(out, "end to end         %s  (message posted -> its last reply accepted by the provider)\n", Percentiles(res.EndToEnd))
	fmt.Fprintf(out, "webhook            %s  (request -> answer)\n", Percentiles(res.Webhook))
	fmt.Fprintf(out, "webhook retries    %d, fallback deliveries %d, failed for good %d\n", res.Retries, res.Fallbacks, res.Failed)
	if res.FirstErr != "" {
		fmt.Fprintf(out, "first error        %s\n", res.FirstErr)
	}
	fmt.Fprintf(out, "no reply           %d messages written again, %d residents gave up\n", res.NoReply, res.Stuck)
	fmt.Fprintf(out, "tickets            %d of %d residents who confirmed, %d of them more than once\n", res.Ticketed, res.Confirmed, res.TicketedTwice)
}

// Check fails when a resident who confirmed has no case or never got the ticket, got
// it twice, or when a webhook failed for good. cases < 0: not counted.
func (res Result) Check(cases int64) error {
	switch {
	case res.Failed > 0:
		return fmt.Errorf("check failed: %d webhooks failed for good", res.Failed)
	case cases >= 0 && cases != int64(res.Confirmed):
		return fmt.Errorf("check failed: %d cases for %d residents who confirmed", cases, res.Confirmed)
	case cases >= 0 && res.Ticketed != res.Confirmed:
		return fmt.Errorf("check failed: %d of %d residents who confirmed received their ticket", res.Ticketed, res.Confirmed)
	case res.TicketedTwice > 0:
		return fmt.Errorf("check failed: %d residents received their ticket more than once", res.TicketedTwice)
	}
	return nil
}
