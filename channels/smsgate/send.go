package smsgate

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/gsm7"
)

// maxParts bounds one message: ten SMS parts (1,530 characters) is more than any
// reply needs, and a cap keeps a runaway text from costing the SIM card's credit.
const maxParts = 10

// Sender sends messages through the gateway's send API. It implements channels.Sender.
type Sender struct {
	client  *Client
	cfg     Config
	records channels.Recorder
	metrics Metrics
	log     *slog.Logger
	now     func() time.Time
}

// NewSender makes a sender for cfg. Records of sent messages go to records.
func NewSender(cfg Config, records channels.Recorder, metrics Metrics, log *slog.Logger) (*Sender, error) {
	client, err := NewClient(cfg)
	if err != nil {
		return nil, err
	}
	if metrics == nil {
		metrics = NopMetrics{}
	}
	return &Sender{client: client, cfg: cfg.WithDefaults(), records: records, metrics: metrics, log: log, now: time.Now}, nil
}

// Send implements channels.Sender. The message's key is its id at the gateway: a try
// whose answer was lost is refused the next time with 409, which means the gateway has
// it, so it is not sent twice.
func (s *Sender) Send(ctx context.Context, out channels.Outbound) (channels.Receipt, error) {
	text, segments := shape(out.Text)
	id := out.Key
	if id == "" {
		id = newID()
	}
	msg := message{ID: id, TextMessage: &textMessage{Text: text}, PhoneNumbers: []string{out.To},
		WithDeliveryReport: true, DeviceID: s.cfg.DeviceID, SimNumber: s.cfg.SIM}
	// Only the status matters: the answer's body (the message's state) is not read, so
	// a proxy's page or a field another app version writes differently cannot turn an
	// accepted message into a failed one.
	status, err := s.client.do(ctx, http.MethodPost, "/messages", msg, nil, http.StatusAccepted, http.StatusOK, http.StatusCreated)
	switch {
	case status == http.StatusConflict:
		// Accepted before: the answer to an earlier try was lost.
		s.log.Info("smsgate: message already accepted by the gateway", "id", id, "to", channels.MaskPhone(out.To))
	case err != nil:
		return channels.Receipt{}, s.failed(out, id, status, err)
	}
	s.metrics.Sent(Channel, "sent", segments)
	if s.records != nil {
		if err := s.records.Add(ctx, domain.MessageRecord{Channel: Channel, Direction: domain.Outbound, ProviderID: id,
			Peer: out.To, Segments: segments, Status: "queued", At: s.now()}); err != nil {
			s.log.Warn("message record dropped", "err", err)
		}
	}
	return channels.Receipt{ProviderID: id, Segments: segments}, nil
}

// failed classifies a refused send. A request the gateway refuses as such (400: a
// number it cannot send to, a text it will not take) fails the same way every time. The
// rest is tried again, which the message id makes safe: the gateway's queue full (503),
// a server error, 429, a time-out, a network error, an answer cut short; and also 401
// and 403, since the app's password changes when it is installed again, and failing
// every ticket for good until an operator notices would lose them (they wait in the
// outbox, and the log says what to fix).
func (s *Sender) failed(out channels.Outbound, id string, status int, err error) error {
	var apiErr *APIError
	retryable := !errors.As(err, &apiErr) || status == http.StatusTooManyRequests || status >= 500 ||
		status == http.StatusUnauthorized || status == http.StatusForbidden
	if apiErr != nil {
		apiErr.Message = channels.MaskDigits(apiErr.Message) // the gateway's words may quote the number
	}
	se := &channels.SendError{Permanent: !retryable, Err: err}
	if status != 0 {
		se.Code = fmt.Sprint(status)
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		s.metrics.Sent(Channel, "retryable", 0)
		s.log.Error("smsgate refused our credentials; messages wait in the outbox: set SMSGATE_USER and SMSGATE_PASSWORD (or SMSGATE_TOKEN) as the app shows them now, and restart", "status", status)
		return se
	case retryable:
		s.metrics.Sent(Channel, "retryable", 0)
		s.log.Warn("smsgate send failed, will retry", "to", channels.MaskPhone(out.To), "err", se)
		return se
	}
	s.metrics.Sent(Channel, "permanent", 0)
	s.log.Warn("smsgate refused message", "to", channels.MaskPhone(out.To), "err", se)
	if s.records != nil {
		rec := domain.MessageRecord{Channel: Channel, Direction: domain.Outbound, ProviderID: id, Peer: out.To,
			Status: "failed", ErrorCode: se.Code, Error: channels.MaskDigits(err.Error()), At: s.now()}
		if err := s.records.Add(context.Background(), rec); err != nil {
			s.log.Warn("message record dropped", "err", err)
		}
	}
	return se
}

// shape makes a text an SMS in GSM-7 (the phone would send anything else as UCS-2, at
// 70 characters a part): look-alikes for typographic characters, nothing GSM-7 cannot
// carry, at most maxParts parts. It returns the text and its parts.
func shape(text string) (string, int) {
	s := gsm7.Shape(text)
	parts, _ := gsm7.Split(s)
	if len(parts) > maxParts {
		cut := []rune(strings.Join(parts[:maxParts], ""))
		s = string(cut[:len(cut)-3]) + "..."
	}
	n, _ := gsm7.Segments(s)
	return s, n
}

// newID names a message sent without a key (none comes from the courier).
func newID() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}
