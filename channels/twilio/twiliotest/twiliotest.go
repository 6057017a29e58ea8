// Package twiliotest is a stand-in for Twilio on 127.0.0.1: a REST API that accepts
// messages the way Twilio's does (form fields in, JSON out, Twilio's error bodies), and
// a signer for webhooks. Tests and the load command use it; it never talks to Twilio.
package twiliotest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sign computes the X-Twilio-Signature Twilio sends with a POST webhook to fullURL:
// HMAC-SHA1 with the auth token over the URL followed by each parameter name and value,
// sorted by name, base64-encoded.
func Sign(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		for _, v := range form[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Message is one message the fake API accepted.
type Message struct {
	SID  string
	Form url.Values
}

// Failure is an error the fake answers with instead of accepting a message.
type Failure struct {
	HTTPStatus int
	Code       int
	Message    string
}

// API is a fake of Twilio's Messages resource.
type API struct {
	AccountSID string
	AuthToken  string
	// Fail, if set, may refuse a message: return nil to accept it.
	Fail func(form url.Values) *Failure
	// Keep, if false, counts messages without storing them (for load tests).
	Keep bool
	// failRate is the share of requests answered with a 500, at random (SetFailRate).
	failRate atomic.Uint64
	// Accepted, if set, hears of every accepted message when its answer is sent.
	Accepted func(to, body string)

	// delay is how long each request takes before it is answered (SetDelay).
	delay    atomic.Int64
	mu       sync.Mutex
	messages []Message
	count    int
	attempts int
}

// NewAPI makes a fake for one account.
func NewAPI(accountSID, authToken string) *API {
	return &API{AccountSID: accountSID, AuthToken: authToken, Keep: true}
}

// SetFailRate makes a share of requests (0 to 1) fail with a 500, at random; it may
// change while requests run.
func (a *API) SetFailRate(rate float64) { a.failRate.Store(math.Float64bits(rate)) }

// SetDelay makes every request take d before it is answered, like the real API over a
// long network path (about 250 ms from Indonesia); it may change while requests run.
func (a *API) SetDelay(d time.Duration) { a.delay.Store(int64(d)) }

// Messages returns the accepted messages, in order.
func (a *API) Messages() []Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Message(nil), a.messages...)
}

// Count returns how many messages were accepted and how many requests came in.
func (a *API) Count() (accepted, attempts int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.count, a.attempts
}

func newSID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "SM" + hex.EncodeToString(b[:])
}

// ServeHTTP implements the API.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	want := "/2010-04-01/Accounts/" + a.AccountSID + "/Messages.json"
	if r.Method != http.MethodPost || r.URL.Path != want {
		writeError(w, &Failure{http.StatusNotFound, 20404, "The requested resource was not found"})
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != a.AccountSID || pass != a.AuthToken {
		writeError(w, &Failure{http.StatusUnauthorized, 20003, "Authenticate"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, &Failure{http.StatusBadRequest, 20001, "Invalid form"})
		return
	}
	a.mu.Lock()
	a.attempts++
	a.mu.Unlock()
	if d := time.Duration(a.delay.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return // the client gave up before the answer: nothing accepted
		}
	}
	if rate := math.Float64frombits(a.failRate.Load()); rate > 0 && mrand.Float64() < rate {
		writeError(w, &Failure{http.StatusInternalServerError, 20500, "Internal Server Error"})
		return
	}
	if a.Fail != nil {
		if f := a.Fail(r.PostForm); f != nil {
			writeError(w, f)
			return
		}
	}
	to, from := r.PostForm.Get("To"), r.PostForm.Get("From")
	if to == "" || (from == "" && r.PostForm.Get("MessagingServiceSid") == "") {
		writeError(w, &Failure{http.StatusBadRequest, 21604, "A 'To' phone number is required."})
		return
	}
	sid := newSID()
	a.mu.Lock()
	a.count++
	if a.Keep {
		a.messages = append(a.messages, Message{SID: sid, Form: r.PostForm})
	}
	a.mu.Unlock()
	if a.Accepted != nil {
		a.Accepted(to, r.PostForm.Get("Body"))
	}
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{
		"sid": sid, "account_sid": a.AccountSID, "to": to, "from": from,
		"body": r.PostForm.Get("Body"), "status": "queued", "num_segments": "1", "direction": "outbound-api",
		"api_version": "2010-04-01",
		"uri":         fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s.json", a.AccountSID, sid),
	})
}

// writeError answers like Twilio does.
func writeError(w http.ResponseWriter, f *Failure) {
	w.WriteHeader(f.HTTPStatus)
	json.NewEncoder(w).Encode(map[string]any{
		"code": f.Code, "message": f.Message, "status": f.HTTPStatus,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", f.Code),
	})
}
