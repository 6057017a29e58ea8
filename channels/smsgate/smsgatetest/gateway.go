package smsgatetest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/gsm7"
	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
)

// Credentials of the fake gateway.
const (
	User     = "sms"
	Password = "Xq3vT9pL"
	Token    = "eyJhbGciOiJIUzI1NiJ9.test.token"
)

// Message is what the gateway accepted.
type Message struct {
	ID, To, Text, DeviceID string
	SIM                    int
	DeliveryReport         bool
}

// Gateway is a fake send API (POST /messages, /webhooks) as the phone's local server
// and the cloud answer: 202 with the message's state, 409 for an id it has, 400 for a
// request it cannot send, 401 without the credentials, and on demand 503 (queue full),
// errors and slow answers.
type Gateway struct {
	// URL is the API's base, for SMSGATE_URL.
	URL string
	srv *httptest.Server

	mu       sync.Mutex
	accepted []Message
	ids      map[string]bool
	hooks    map[string]smsgate.Hook
	next     []answer
	delay    time.Duration
	sends    int
	// phone, if set, reports what becomes of each accepted message.
	phone *Phone
	wg    sync.WaitGroup
}

// answer is a status to give a send instead of the usual one; keep says the message
// is accepted all the same (an answer lost on its way back).
type answer struct {
	status int
	keep   bool
	body   string
}

// Start runs a gateway on 127.0.0.1 until the test ends.
func Start(t testing.TB) *Gateway {
	g := &Gateway{ids: map[string]bool{}, hooks: map[string]smsgate.Hook{}}
	mux := http.NewServeMux()
	for _, path := range []string{"/messages", "/message"} {
		mux.HandleFunc("POST "+path, g.send)
	}
	mux.HandleFunc("GET /webhooks", g.listHooks)
	mux.HandleFunc("POST /webhooks", g.addHook)
	mux.HandleFunc("DELETE /webhooks/{id}", g.deleteHook)
	g.srv = httptest.NewServer(mux)
	g.URL = g.srv.URL
	t.Cleanup(func() { g.srv.Close(); g.wg.Wait() })
	return g
}

// ReportWith makes the gateway report each accepted message through phone, as a real
// one does: sms:sent with its parts, then one sms:delivered per part.
func (g *Gateway) ReportWith(p *Phone) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.phone = p
}

// Answer makes the next sends answer these statuses, one each, without accepting the
// message (503: the queue is full; 500: a server error; 400, 401).
func (g *Gateway) Answer(statuses ...int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, s := range statuses {
		g.next = append(g.next, answer{status: s})
	}
}

// LoseAnswer makes the next send accepted, but answered with status, as when the
// answer is lost on its way back: the sender tries again and must not be sent twice.
func (g *Gateway) LoseAnswer(status int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.next = append(g.next, answer{status: status, keep: true})
}

// AcceptWithBody makes the next send accepted with 202 and this body instead of the
// message's state (a proxy's page, a cut answer).
func (g *Gateway) AcceptWithBody(body string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.next = append(g.next, answer{status: http.StatusAccepted, keep: true, body: body})
}

// Delay makes every send wait d before it is answered.
func (g *Gateway) Delay(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.delay = d
}

// Sends is how many send requests came, answered or not.
func (g *Gateway) Sends() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sends
}

// Accepted lists the accepted messages, in order.
func (g *Gateway) Accepted() []Message {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Message(nil), g.accepted...)
}

// Hooks lists the registered webhooks.
func (g *Gateway) Hooks() map[string]smsgate.Hook {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string]smsgate.Hook{}
	for k, v := range g.hooks {
		out[k] = v
	}
	return out
}

// TextsTo returns the texts accepted for to.
func (g *Gateway) TextsTo(to string) []string {
	var out []string
	for _, m := range g.Accepted() {
		if m.To == to {
			out = append(out, m.Text)
		}
	}
	return out
}

// WaitTexts waits until at least n messages to to were accepted, and returns their
// texts.
func (g *Gateway) WaitTexts(t testing.TB, to string, n int, within time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		texts := g.TextsTo(to)
		if len(texts) >= n {
			return texts
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d SMS to %s within %v, want %d: %q", len(texts), to, within, n, texts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// authorized checks Basic or Bearer credentials, as both modes accept them.
func authorized(r *http.Request) bool {
	if u, p, ok := r.BasicAuth(); ok {
		return u == User && p == Password
	}
	return r.Header.Get("Authorization") == "Bearer "+Token
}

func (g *Gateway) send(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.sends++
	delay := g.delay
	g.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if !authorized(r) {
		fail(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	var req struct {
		ID          string `json:"id"`
		TextMessage *struct {
			Text string `json:"text"`
		} `json:"textMessage"`
		PhoneNumbers       []string `json:"phoneNumbers"`
		WithDeliveryReport *bool    `json:"withDeliveryReport"`
		DeviceID           string   `json:"deviceId"`
		SimNumber          int      `json:"simNumber"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, "invalid request: "+err.Error())
		return
	}
	switch {
	case req.TextMessage == nil || req.TextMessage.Text == "":
		fail(w, http.StatusBadRequest, "must specify exactly one of: textMessage or dataMessage")
		return
	case len(req.PhoneNumbers) == 0:
		fail(w, http.StatusBadRequest, "phoneNumbers is required")
		return
	case len(req.ID) > 36:
		fail(w, http.StatusBadRequest, "id must be at most 36 characters")
		return
	}
	for i, p := range req.PhoneNumbers {
		if !channels.IsE164(p) {
			fail(w, http.StatusBadRequest, "failed to use phone in row "+strconv.Itoa(i+1)+": invalid phone number")
			return
		}
	}
	g.mu.Lock()
	var a answer
	if len(g.next) > 0 {
		a, g.next = g.next[0], g.next[1:]
	}
	if a.status != 0 && !a.keep {
		g.mu.Unlock()
		fail(w, a.status, http.StatusText(a.status))
		return
	}
	if req.ID == "" {
		req.ID = NewID()
	}
	if g.ids[req.ID] {
		g.mu.Unlock()
		fail(w, http.StatusConflict, "message with the same ID already exists")
		return
	}
	g.ids[req.ID] = true
	m := Message{ID: req.ID, To: req.PhoneNumbers[0], Text: req.TextMessage.Text, DeviceID: req.DeviceID, SIM: req.SimNumber,
		DeliveryReport: req.WithDeliveryReport == nil || *req.WithDeliveryReport}
	g.accepted = append(g.accepted, m)
	phone := g.phone
	if phone != nil {
		g.wg.Add(1)
	}
	g.mu.Unlock()
	if phone != nil {
		go func() { defer g.wg.Done(); g.report(phone, m) }()
	}
	if a.keep && a.status == http.StatusAccepted {
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
		return
	}
	if a.keep {
		fail(w, a.status, http.StatusText(a.status))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Location", "/messages/"+m.ID)
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]any{
		"id": m.ID, "deviceId": "PyDmBQZZXYmyxMwED8Fzy", "state": "Pending", "isHashed": false, "isEncrypted": false,
		"recipients": []map[string]string{{"phoneNumber": m.To, "state": "Pending"}}, "states": map[string]string{},
	})
}

// report posts what a phone reports of a message: sent, then delivered part by part.
func (g *Gateway) report(p *Phone, m Message) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	parts, _ := gsm7.Segments(m.Text)
	if _, err := p.Report(ctx, smsgate.EventSent, m.ID, m.To, parts, ""); err != nil || !m.DeliveryReport {
		return
	}
	for range parts {
		p.Report(ctx, smsgate.EventDelivered, m.ID, m.To, 0, "")
	}
}

func (g *Gateway) listHooks(w http.ResponseWriter, r *http.Request) {
	if !authorized(r) {
		fail(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	g.mu.Lock()
	list := []smsgate.Hook{}
	for _, h := range g.hooks {
		list = append(list, h)
	}
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(list)
}

func (g *Gateway) addHook(w http.ResponseWriter, r *http.Request) {
	if !authorized(r) {
		fail(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	var h smsgate.Hook
	if err := json.NewDecoder(r.Body).Decode(&h); err != nil {
		fail(w, http.StatusBadRequest, "invalid request")
		return
	}
	// The local server's rule: https, or http only to the phone itself.
	if !strings.HasPrefix(h.URL, "https://") && !strings.HasPrefix(h.URL, "http://127.0.0.1") {
		fail(w, http.StatusBadRequest, "url must start with https:// or http://127.0.0.1")
		return
	}
	valid := false
	for _, e := range []string{"sms:received", "sms:data-received", "sms:sent", "sms:delivered", "sms:failed",
		"sms:cancelled", "system:ping", "mms:received", "mms:downloaded", "app:started"} {
		valid = valid || h.Event == e
	}
	if !valid {
		fail(w, http.StatusBadRequest, "Unsupported event")
		return
	}
	if h.ID == "" {
		h.ID = NewID()
	}
	g.mu.Lock()
	g.hooks[h.ID] = h
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(h)
}

func (g *Gateway) deleteHook(w http.ResponseWriter, r *http.Request) {
	if !authorized(r) {
		fail(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	g.mu.Lock()
	delete(g.hooks, r.PathValue("id"))
	g.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
