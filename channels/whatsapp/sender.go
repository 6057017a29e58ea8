package whatsapp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
)

// knownLimit bounds the cache of numbers found on WhatsApp; past it the cache starts
// over, which costs one lookup per number again.
const knownLimit = 100_000

// Sender sends text messages from the linked number. It implements channels.Sender.
type Sender struct {
	client  Client
	records channels.Recorder
	metrics Metrics
	log     *slog.Logger
	now     func() time.Time

	mu    sync.Mutex
	known map[string]types.JID
}

// NewSender makes a sender over client (a connected *whatsmeow.Client).
func NewSender(client Client, records channels.Recorder, metrics Metrics, log *slog.Logger) *Sender {
	if metrics == nil {
		metrics = NopMetrics{}
	}
	return &Sender{client: client, records: records, metrics: metrics, log: log, now: time.Now, known: map[string]types.JID{}}
}

// Reasons of permanent failures, as recorded with the message.
const (
	CodeNotOnWhatsApp    = "not_on_whatsapp"
	CodeInvalidRecipient = "invalid_recipient"
)

// Send implements channels.Sender. A number that is not on WhatsApp fails for good; a
// lost connection or a time-out is retryable (whatsmeow reconnects by itself).
func (s *Sender) Send(ctx context.Context, out channels.Outbound) (channels.Receipt, error) {
	to, err := s.recipient(ctx, out.To)
	if err == nil {
		var resp whatsmeow.SendResponse
		resp, err = s.client.SendMessage(ctx, to, &waE2E.Message{Conversation: proto.String(out.Text)})
		if err == nil {
			s.metrics.Sent(Channel, "sent", 0)
			s.record(ctx, domain.MessageRecord{Channel: Channel, Direction: domain.Outbound, ProviderID: resp.ID,
				Peer: out.To, Status: "sent", At: s.now()})
			return channels.Receipt{ProviderID: resp.ID}, nil
		}
		err = classify(err)
	}
	var se *channels.SendError
	if errors.As(err, &se) && se.Permanent {
		s.metrics.Sent(Channel, "permanent", 0)
		// A refused message has no WhatsApp id; it gets a local one, so each refusal is
		// a record of its own (records are keyed by provider id).
		s.record(ctx, domain.MessageRecord{Channel: Channel, Direction: domain.Outbound, ProviderID: "local-" + localID(),
			Peer: out.To, Status: "failed", ErrorCode: se.Code, Error: channels.MaskDigits(se.Err.Error()), At: s.now()})
	} else {
		s.metrics.Sent(Channel, "retryable", 0)
	}
	return channels.Receipt{}, err
}

// recipient is the WhatsApp id of an E.164 number, asked of WhatsApp once per number:
// sending to a number without WhatsApp would otherwise look like a success.
func (s *Sender) recipient(ctx context.Context, e164 string) (types.JID, error) {
	s.mu.Lock()
	jid, ok := s.known[e164]
	s.mu.Unlock()
	if ok {
		return jid, nil
	}
	if !strings.HasPrefix(e164, "+") || len(e164) < 8 {
		return types.JID{}, &channels.SendError{Permanent: true, Code: CodeInvalidRecipient, Err: errors.New("not an E.164 number")}
	}
	found, err := s.client.IsOnWhatsApp(ctx, []string{e164})
	if err != nil {
		return types.JID{}, classify(err)
	}
	for _, r := range found {
		if r.IsIn && !r.JID.IsEmpty() {
			s.mu.Lock()
			if len(s.known) >= knownLimit {
				clear(s.known)
			}
			s.known[e164] = r.JID
			s.mu.Unlock()
			return r.JID, nil
		}
	}
	return types.JID{}, &channels.SendError{Permanent: true, Code: CodeNotOnWhatsApp, Err: errors.New("the number has no WhatsApp account")}
}

// classify marks the errors retrying cannot fix as permanent; anything else (not
// connected, time-outs, server errors) is retried by the caller.
func classify(err error) error {
	var se *channels.SendError
	switch {
	case errors.As(err, &se):
		return err
	case errors.Is(err, whatsmeow.ErrRecipientADJID), errors.Is(err, whatsmeow.ErrUnknownServer),
		errors.Is(err, whatsmeow.ErrBroadcastListUnsupported), errors.Is(err, whatsmeow.ErrPhoneNumberTooShort),
		errors.Is(err, whatsmeow.ErrPhoneNumberIsNotInternational):
		return &channels.SendError{Permanent: true, Code: CodeInvalidRecipient, Err: err}
	}
	return &channels.SendError{Err: err}
}

// localID names a message WhatsApp never took, for its record.
func localID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Sender) record(ctx context.Context, r domain.MessageRecord) {
	if s.records == nil {
		return
	}
	if err := s.records.Add(ctx, r); err != nil {
		s.log.Warn("message record dropped", "err", err)
	}
}
