package twilio

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
)

// The webhook paths; set them as the number's "A message comes in" URL and they are
// used as the status callback.
const (
	MessagesPath = "/twilio/messages"
	StatusPath   = "/twilio/status"
)

// sideCallTimeout bounds the bookkeeping calls around a turn (opt-ins, the WhatsApp
// window), so a store that hangs cannot use up the time the turn needs.
const sideCallTimeout = time.Second

// optInKeywords are the words with which a resident undoes a STOP at Twilio
// (Twilio's default opt-in keywords).
var optInKeywords = map[string]bool{"START": true, "UNSTOP": true, "YES": true}

// Limits checked before a webhook's signature, so that a forged request costs little:
// Twilio's are a few KB with a few dozen parameters (a WhatsApp message with ten media
// has about fifty), and the signature check's work grows with the square of the
// parameter count.
const (
	maxWebhookBody   = 64 << 10
	maxWebhookParams = 128
	maxWebhookURI    = 512
)

// FallbackQuery marks the URL set as the number's fallback ("Primary handler fails"):
// Twilio calls it after the primary URL failed (and its retries, see the README), so
// nothing will deliver the message again. A turn that fails there is answered 200 and
// the resident is told to write again later.
const FallbackQuery = "fallback"

// sidPattern is a Twilio message SID: two letters and 32 hex digits. A message id is
// stored and used as a key; anything else is refused before it gets that far.
func validSID(sid string) bool {
	if len(sid) != 34 || sid[0] < 'A' || sid[0] > 'Z' || sid[1] < 'A' || sid[1] > 'Z' {
		return false
	}
	for _, c := range sid[2:] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// emptyTwiML answers a webhook without a TwiML reply: replies go out through the REST
// API, so that each has a provider id and delivery reports.
const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

// OptOuts records numbers that told Twilio to stop (store.MessageLog).
type OptOuts interface {
	SetOptOut(ctx context.Context, phone string, stopped bool, at time.Time) error
}

// Webhook receives Twilio's webhooks.
type Webhook struct {
	cfg       Config
	validator client.RequestValidator
	handler   channels.Handler
	replies   channels.Replier
	records   channels.Recorder
	optOuts   OptOuts
	window    WindowStore
	metrics   Metrics
	log       *slog.Logger
	now       func() time.Time
	// TurnTimeout bounds the bot's turn, so the webhook answers well inside Twilio's
	// 15 s limit even when a backend is slow (default 10 s).
	TurnTimeout time.Duration

	// gate counts the turns being run, for Close.
	gate channels.Gate
}

// Close makes the webhook refuse further messages with 503 (Twilio delivers them again,
// to another instance or after the restart) and waits, up to ctx, for the turns being
// run, whose replies still go out.
func (w *Webhook) Close(ctx context.Context) error { return w.gate.Close(ctx) }

// NewWebhook makes the webhook endpoints. Without an auth token they refuse every
// request: an unsigned endpoint would let anyone speak for any resident.
func NewWebhook(cfg Config, handler channels.Handler, replies channels.Replier, records channels.Recorder, optOuts OptOuts,
	window WindowStore, metrics Metrics, log *slog.Logger) *Webhook {
	if metrics == nil {
		metrics = NopMetrics{}
	}
	return &Webhook{
		cfg: cfg, validator: client.NewRequestValidator(cfg.AuthToken), handler: handler, replies: replies,
		records: records, optOuts: optOuts, window: window, metrics: metrics, log: log,
		now: time.Now, TurnTimeout: 10 * time.Second,
	}
}

// Register adds the endpoints to mux.
func (w *Webhook) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+MessagesPath, w.messages)
	mux.HandleFunc("POST "+StatusPath, w.status)
}

// verified reads a webhook's form after checking its signature against the URL Twilio
// called: our public URL plus the path and query of the request. It writes the error
// response itself and returns ok=false when the request must not be processed.
func (w *Webhook) verified(rw http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if w.cfg.AuthToken == "" {
		http.Error(rw, "twilio webhooks are not configured", http.StatusNotFound)
		return nil, false
	}
	// What costs nothing to check comes first: the signature is there, and the URL is
	// as short as the ones set in Twilio's console (the signed string repeats it for
	// every parameter in twilio-go's check).
	signature := r.Header.Get("X-Twilio-Signature")
	if signature == "" {
		w.reject(rw, r, "no_signature", http.StatusForbidden)
		return nil, false
	}
	if len(r.URL.RequestURI()) > maxWebhookURI {
		w.reject(rw, r, "bad_request", http.StatusRequestURITooLong)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxWebhookBody))
	if err != nil {
		w.reject(rw, r, "bad_request", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	if bytes.Count(body, []byte("&"))+1 > maxWebhookParams {
		w.reject(rw, r, "bad_request", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	called := strings.TrimSuffix(w.cfg.PublicURL, "/") + r.URL.RequestURI()
	if !w.validator.ValidateBody(called, body, signature) {
		w.reject(rw, r, "bad_signature", http.StatusForbidden)
		return nil, false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		w.reject(rw, r, "bad_request", http.StatusBadRequest)
		return nil, false
	}
	return form, true
}

// reject answers a refused webhook; the log line says why and from where, never what.
func (w *Webhook) reject(rw http.ResponseWriter, r *http.Request, reason string, code int) {
	w.metrics.Rejected(reason)
	w.log.Warn("twilio webhook rejected", "reason", reason, "path", r.URL.Path, "remote", r.RemoteAddr)
	http.Error(rw, http.StatusText(code), code)
}

func (w *Webhook) messages(rw http.ResponseWriter, r *http.Request) {
	if !w.gate.Enter() {
		http.Error(rw, "shutting down; deliver again", http.StatusServiceUnavailable)
		return
	}
	defer w.gate.Leave()
	form, ok := w.verified(rw, r)
	if !ok {
		return
	}
	sid := form.Get("MessageSid")
	channel, from, okFrom := parseAddress(form.Get("From"))
	if !validSID(sid) || !okFrom {
		w.reject(rw, r, "bad_request", http.StatusBadRequest)
		return
	}
	now := w.now()
	media, _ := strconv.Atoi(form.Get("NumMedia"))
	segments, _ := strconv.Atoi(form.Get("NumSegments"))
	in := channels.Inbound{Channel: channel, ID: sid, From: from, Text: form.Get("Body"), Media: media, Time: now}

	side, cancel := context.WithTimeout(r.Context(), sideCallTimeout)
	// Twilio's own opt-in keywords lift a STOP (error 21610) at Twilio; lift ours too.
	if w.optOuts != nil && optInKeywords[strings.ToUpper(strings.TrimSpace(in.Text))] {
		if err := w.optOuts.SetOptOut(side, from, false, now); err != nil {
			w.log.Error("opt-in not recorded", "from", channels.MaskPhone(from), "err", err)
		}
	}
	if channel == ChannelWhatsApp && w.window != nil {
		if err := w.window.Touch(side, from, now); err != nil {
			w.log.Warn("whatsapp window not recorded", "err", err)
		}
	}
	cancel()
	last := !w.cfg.Retries || r.URL.Query().Has(FallbackQuery)
	result := channels.RunTurn(r.Context(), w.handler, w.replies, in, w.TurnTimeout, last, w.log)
	w.metrics.Inbound(channel, result)
	if w.records != nil {
		// The request's context may have run out with the turn; the record gets its own.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		if err := w.records.Add(rctx, domain.MessageRecord{Channel: channel, Direction: domain.Inbound, ProviderID: sid,
			Peer: from, Segments: segments, Status: "received", At: now}); err != nil {
			w.log.Warn("message record dropped", "err", err)
		}
	}
	if result == channels.ResultFailed && !last {
		// Not processed: Twilio retries (with the retry policy the README gives) and
		// then calls the fallback URL; that delivery runs the turn afresh.
		http.Error(rw, "turn failed; deliver again", http.StatusServiceUnavailable)
		return
	}
	rw.Header().Set("Content-Type", "text/xml")
	io.WriteString(rw, emptyTwiML)
}

func (w *Webhook) status(rw http.ResponseWriter, r *http.Request) {
	form, ok := w.verified(rw, r)
	if !ok {
		return
	}
	sid, status := form.Get("MessageSid"), form.Get("MessageStatus")
	if sid == "" || status == "" {
		w.reject(rw, r, "bad_request", http.StatusBadRequest)
		return
	}
	_, to, _ := parseAddress(form.Get("To"))
	code := form.Get("ErrorCode")
	now := w.now()
	w.metrics.Status(status)
	ctx, cancel := context.WithTimeout(r.Context(), sideCallTimeout)
	defer cancel()
	if w.records != nil {
		if err := w.records.Add(ctx, domain.MessageRecord{Direction: domain.Outbound, ProviderID: sid,
			Peer: to, Status: status, ErrorCode: code, Error: Reason(code), At: now}); err != nil {
			w.log.Warn("status record dropped", "err", err)
		}
	}
	if code == strconv.Itoa(codeOptedOut) && to != "" && w.optOuts != nil {
		if err := w.optOuts.SetOptOut(ctx, to, true, now); err != nil {
			w.log.Error("opt-out not recorded", "to", channels.MaskPhone(to), "err", err)
			http.Error(rw, "opt-out not recorded", http.StatusServiceUnavailable)
			return
		}
		w.log.Info("resident opted out at the provider", "to", channels.MaskPhone(to))
	}
	if code != "" {
		w.log.Warn("message not delivered", "sid", sid, "status", status, "code", code, "reason", Reason(code))
	}
	rw.WriteHeader(http.StatusNoContent)
}
