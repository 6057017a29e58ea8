package smsgate

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"
	"unicode"

	"golang.org/x/time/rate"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/msisdn"
)

// maxEventBody bounds an event: a received SMS is a few KB at most (the app joins a
// long SMS's parts into one message), and a forged request costs no more than this.
const maxEventBody = 64 << 10

// sideCallTimeout bounds the bookkeeping around a turn (last heard, parts, records), so
// a store that hangs cannot use up the time the turn needs.
const sideCallTimeout = time.Second

// Webhook receives the phone's events.
type Webhook struct {
	cfg     Config
	handler channels.Handler
	replies channels.Replier
	records channels.Recorder
	state   State
	metrics Metrics
	log     *slog.Logger
	now     func() time.Time

	// gate counts the turns being run, for Close.
	gate channels.Gate
	// heardAt is when this instance last wrote that the phone spoke (unix ms).
	heardAt atomic.Int64
	// rejections keeps refused requests, which anyone can send, from filling the log:
	// the first ten, then one a minute; the metric counts them all.
	rejections rate.Sometimes
}

// NewWebhook makes the events endpoint. Without a signing key it refuses every
// request: an unsigned endpoint would let anyone speak for any resident.
func NewWebhook(cfg Config, handler channels.Handler, replies channels.Replier, records channels.Recorder, state State,
	metrics Metrics, log *slog.Logger) *Webhook {
	if metrics == nil {
		metrics = NopMetrics{}
	}
	return &Webhook{cfg: cfg.WithDefaults(), handler: handler, replies: replies, records: records, state: state,
		metrics: metrics, log: log, now: time.Now, rejections: rate.Sometimes{First: 10, Interval: time.Minute}}
}

// Register adds the endpoint to mux.
func (w *Webhook) Register(mux *http.ServeMux) { mux.HandleFunc("POST "+EventsPath, w.events) }

// Close makes the webhook refuse further events with 503 (the phone keeps them and
// posts them again, to another instance or after the restart) and waits, up to ctx,
// for the turns being run, whose replies still go out.
func (w *Webhook) Close(ctx context.Context) error { return w.gate.Close(ctx) }

// Sign is the signature the app puts in X-Signature: hex HMAC-SHA256 of the body
// followed by the X-Timestamp value, keyed with the signing key.
func Sign(key string, body []byte, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	mac.Write([]byte(timestamp))
	return hex.EncodeToString(mac.Sum(nil))
}

// verified reads an event's body after checking its signature and timestamp. It writes
// the error response itself and returns ok=false when the request must not be
// processed.
func (w *Webhook) verified(rw http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if w.cfg.SigningKey == "" {
		http.Error(rw, "smsgate webhooks are not configured", http.StatusNotFound)
		return nil, false
	}
	signature, stamp := r.Header.Get("X-Signature"), r.Header.Get("X-Timestamp")
	if signature == "" || stamp == "" {
		w.reject(rw, r, "no_signature", http.StatusUnauthorized)
		return nil, false
	}
	secs, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil || w.now().Sub(time.Unix(secs, 0)).Abs() > w.cfg.MaxSkew {
		w.reject(rw, r, "stale_timestamp", http.StatusUnauthorized)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxEventBody))
	if err != nil {
		w.reject(rw, r, "too_large", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	got, err := hex.DecodeString(signature)
	want, _ := hex.DecodeString(Sign(w.cfg.SigningKey, body, stamp))
	if err != nil || !hmac.Equal(got, want) {
		w.reject(rw, r, "bad_signature", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// reject answers a refused request; the log line says why and from where, never what.
func (w *Webhook) reject(rw http.ResponseWriter, r *http.Request, reason string, code int) {
	w.metrics.Rejected(reason)
	w.rejections.Do(func() {
		w.log.Warn("smsgate webhook rejected (further ones this minute are only counted, in silakso_webhook_rejections_total)",
			"reason", reason, "remote", r.RemoteAddr)
	})
	http.Error(rw, http.StatusText(code), code)
}

// ignore answers an event SILAKSO does not act on with 2xx, so the phone does not send
// it again for two days.
func (w *Webhook) ignore(rw http.ResponseWriter, env envelope, why string) {
	w.log.Info("smsgate event ignored", "event", env.Event, "id", env.ID, "why", why)
	rw.WriteHeader(http.StatusNoContent)
}

func (w *Webhook) events(rw http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	if !w.gate.Enter() {
		http.Error(rw, "shutting down; send again", http.StatusServiceUnavailable)
		return
	}
	defer w.gate.Leave()
	body, ok := w.verified(rw, r)
	if !ok {
		return
	}
	var env envelope
	var p payload
	if err := json.Unmarshal(body, &env); err != nil || env.Event == "" {
		w.reject(rw, r, "bad_request", http.StatusBadRequest)
		return
	}
	if len(env.Payload) > 0 && string(env.Payload) != "null" {
		if err := json.Unmarshal(env.Payload, &p); err != nil {
			w.reject(rw, r, "bad_request", http.StatusBadRequest)
			return
		}
	}
	if w.cfg.DeviceID != "" && env.DeviceID != w.cfg.DeviceID {
		// Loud: a wrong SMSGATE_DEVICE_ID drops every resident's SMS.
		w.log.Warn("smsgate event from another phone of the account ignored; is SMSGATE_DEVICE_ID right?",
			"event", env.Event, "device", env.DeviceID, "want", w.cfg.DeviceID)
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	now := w.now()
	switch env.Event {
	case EventReceived, EventMMSReceived:
		w.received(rw, r, env, p, now, arrived)
	case EventSent, EventDelivered, EventFailed, EventCancelled:
		w.delivery(rw, r, env, p, now)
	case EventPing:
		rw.WriteHeader(http.StatusNoContent)
	case EventDataReceived:
		w.ignore(rw, env, "a binary SMS carries no text")
	default:
		w.ignore(rw, env, "unknown event")
	}

	// Whatever the phone says, it is alive. This is bookkeeping, done once the phone
	// has its answer (it waits 5 s at most).
	if f, ok := rw.(http.Flusher); ok {
		f.Flush()
	}
	battery := -1
	if env.Event == EventPing {
		battery = p.Health.battery()
		if p.Health != nil && p.Health.Status == "fail" {
			w.log.Warn("smsgate: the phone reports a problem (battery, connection or failed SMS); see its app", "battery", battery)
		}
	}
	w.metrics.Phone(now, battery)
	if w.state != nil && w.heardDue(now) {
		side, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), sideCallTimeout)
		defer cancel()
		if err := w.state.Heard(side, now); err != nil {
			w.heardAt.Store(0) // try again with the next event
			w.log.Warn("smsgate: last heard not recorded", "err", err)
		}
	}
}

// heardEvery is how often at most this instance tells the shared state the phone
// spoke (a quarter of AlertAfter when that is shorter): the silence that matters is
// half an hour, and a Redis call per SMS would buy nothing.
const heardEvery = 15 * time.Second

// heardDue reports whether the phone's last-heard time is to be written now, and if so
// claims the write.
func (w *Webhook) heardDue(now time.Time) bool {
	last := w.heardAt.Load()
	if last != 0 && now.Sub(time.UnixMilli(last)) < min(heardEvery, w.cfg.AlertAfter/4) {
		return false
	}
	return w.heardAt.CompareAndSwap(last, now.UnixMilli())
}

// received runs the bot's turn for an SMS (or MMS) a resident or officer sent.
func (w *Webhook) received(rw http.ResponseWriter, r *http.Request, env envelope, p payload, now, arrived time.Time) {
	from, ok := msisdn.Parse(p.from())
	if !ok {
		// A network's notice (TELKOMSEL), a short code or a machine: nobody to answer.
		w.metrics.Inbound(Channel, "ignored")
		w.log.Info("smsgate: SMS from a sender that is not a mobile number ignored", "sender", senderKind(p.from()), "id", env.ID)
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	messageID := p.MessageID
	if messageID == "" {
		messageID = env.ID
	}
	// Without a readable time the id is made of the time as written, so that the
	// phone's next post of the same SMS gets the same id.
	received, okTime := parseTime(p.ReceivedAt)
	id := inboundID(messageID, from, received, p.ReceivedAt)
	if !okTime {
		received = now
	}
	in := channels.Inbound{Channel: Channel, From: from, Text: p.Message, Time: received, ID: id}
	if env.Event == EventMMSReceived {
		// The picture itself stays on the phone, and its subject is not an answer (a
		// "Foto KK" is no name); the bot tells the sender it reads text.
		in.Text, in.Media = "", 1
	}
	// Never the last delivery: the phone keeps an event it got no 2xx for and posts it
	// again (5 s, 10 s, 20 s ... for about two days), and that delivery runs the turn.
	// The turn has what is left of TurnTimeout since the event arrived, and the phone
	// hanging up does not cut it (a commit cut in half is worse than an answer nobody
	// reads: the phone's next post is known as a duplicate).
	budget := w.cfg.TurnTimeout - time.Since(arrived)
	result := channels.RunTurn(context.WithoutCancel(r.Context()), w.handler, w.replies, in, budget, false, w.log)
	w.metrics.Inbound(Channel, result)
	if result == channels.ResultFailed {
		http.Error(rw, "turn failed; send again", http.StatusServiceUnavailable)
	} else {
		rw.WriteHeader(http.StatusNoContent)
	}
	if f, ok := rw.(http.Flusher); ok {
		f.Flush()
	}
	if w.records != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), sideCallTimeout)
		defer cancel()
		if err := w.records.Add(rctx, domain.MessageRecord{Channel: Channel, Direction: domain.Inbound, ProviderID: in.ID,
			Peer: from, Status: "received", At: now}); err != nil {
			w.log.Warn("message record dropped", "err", err)
		}
	}
}

// delivery records what became of a message we sent. The message id is the key we sent
// it with (Sender), so the record it updates is ours.
func (w *Webhook) delivery(rw http.ResponseWriter, r *http.Request, env envelope, p payload, now time.Time) {
	if !validID(p.MessageID) || !validID(env.ID) {
		// Not a message of ours (our ids are 32 hex digits): nothing to update, and a 4xx
		// would only make the phone post it again for two days.
		w.ignore(rw, env, "message or event id that is not one of ours")
		return
	}
	to, _ := msisdn.Parse(p.to())
	rec := domain.MessageRecord{Channel: Channel, Direction: domain.Outbound, ProviderID: p.MessageID, Peer: to, At: now}
	ctx, cancel := context.WithTimeout(r.Context(), sideCallTimeout)
	defer cancel()
	switch env.Event {
	case EventSent:
		rec.Status = "sent"
		if p.PartsCount != nil && *p.PartsCount > 0 {
			rec.Segments = *p.PartsCount
			if w.state != nil {
				if err := w.state.NoteParts(ctx, p.MessageID, rec.Segments); err != nil {
					w.log.Warn("smsgate: parts of a message not recorded", "err", err)
				}
			}
		}
	case EventDelivered:
		// One report per SMS part: the message is delivered when every part is.
		rec.Status = "delivered"
		if w.state != nil {
			n, parts, err := w.state.PartDelivered(ctx, p.MessageID, env.ID)
			switch {
			case err != nil:
				w.log.Warn("smsgate: delivered part not counted; the message counts as delivered", "err", err)
			case parts > 0 && n < parts:
				rec.Status = "sent"
			}
		}
	case EventFailed:
		rec.Status, rec.ErrorCode, rec.Error = "failed", failureCode(p.Reason), channels.MaskDigits(p.Reason)
		w.log.Warn("smsgate: the phone could not send a message", "id", p.MessageID, "to", channels.MaskPhone(to), "reason", rec.Error)
	case EventCancelled:
		rec.Status = "canceled"
	}
	w.metrics.Status(rec.Status)
	if w.records != nil {
		if err := w.records.Add(ctx, rec); err != nil {
			w.log.Warn("status record dropped", "err", err)
			if errors.Is(err, context.DeadlineExceeded) {
				// The phone sends the report again; nothing else is lost.
				http.Error(rw, "record not kept; send again", http.StatusServiceUnavailable)
				return
			}
		}
	}
	rw.WriteHeader(http.StatusNoContent)
}

// senderKind says what a sender that cannot be answered looks like, for the log, without
// the number itself (a landline is still a person's number).
func senderKind(s string) string {
	digits, letters := 0, 0
	for _, c := range s {
		switch {
		case '0' <= c && c <= '9':
			digits++
		case unicode.IsLetter(c):
			letters++
		}
	}
	switch {
	case s == "":
		return "none"
	case letters > 0:
		return "a name"
	case digits <= 6:
		return "a short code"
	}
	return fmt.Sprintf("a %d-digit number that is not a mobile", digits)
}

// androidResult is Android's name for why an SMS was not sent, inside the app's reason
// ("Send result: RESULT_ERROR_NO_SERVICE (...)").
var androidResult = regexp.MustCompile(`RESULT_ERROR_[A-Z_]+`)

// failureCode is the error code a failed message's record gets: Android's result when
// the reason names one, else "phone" (the phone gave up: no SIM, time to live over).
func failureCode(reason string) string {
	if code := androidResult.FindString(reason); code != "" {
		return code
	}
	return "phone"
}
