// Package channels is the contract between the bot and the messaging providers.
//
// An adapter (console, Twilio, WhatsApp, ...) turns a provider's message into an Inbound,
// hands it to a Handler and sends the Handler's replies back with a Sender. Adapters know
// nothing about dialogs or cases; the bot knows nothing about providers.
package channels

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// Inbound is one message from a resident or an officer, normalised by an adapter.
type Inbound struct {
	// Channel names the adapter and route, e.g. "console", "twilio-sms", "twilio-whatsapp".
	// Pushes for a case go back out on the channel it came in on.
	Channel string
	// ID is the provider's message id. The bot drops a second message with the same
	// Channel and ID, so adapters must pass the provider's id through unchanged.
	ID string
	// From is the sender's phone number in E.164 (+628...). Adapters strip provider
	// prefixes such as "whatsapp:" so that one person has one identity on every channel.
	From string
	// Text is the message body as received; the bot normalises it.
	Text string
	// Media is the number of attachments (pictures, voice notes) that came with the text.
	Media int
	// Time is when the provider received the message.
	Time time.Time
}

// Outbound is one message to send.
type Outbound struct {
	Channel string
	// To is the recipient's phone number in E.164.
	To   string
	Text string
	// Key names this message for every try to send it, in this process and, from the
	// outbox, in the next (the courier sets it). A provider that takes an idempotency
	// key gets it, so a try whose answer was lost is not sent a second time.
	Key string
}

// Handler processes one inbound message and returns the replies to send to its sender.
// It is safe for concurrent use.
//
// An error means the message was not processed and nothing of it was saved: the
// adapter makes the provider deliver it again (an HTTP status the provider retries, a
// message left unacknowledged), and a delivery of the same message is processed, not
// dropped as a duplicate. The replies returned with an error say what to tell the
// sender if no delivery will come again. ErrDuplicate and ErrThrottled are not failures:
// the message was processed before, or dropped on purpose.
type Handler interface {
	Handle(ctx context.Context, in Inbound) ([]Outbound, error)
}

// ErrDuplicate: the message was already processed (a provider's retry); there is
// nothing to send.
var ErrDuplicate = errors.New("channels: message already processed")

// ErrThrottled: the sender is over the rate limit and was told so already; the message
// is dropped on purpose (not a failure: it must not be delivered again) and there is
// nothing to send.
var ErrThrottled = errors.New("channels: sender throttled, message dropped")

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, in Inbound) ([]Outbound, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, in Inbound) ([]Outbound, error) { return f(ctx, in) }

// Sender delivers an outbound message through one provider.
type Sender interface {
	Send(ctx context.Context, out Outbound) (Receipt, error)
}

// Receipt is what a provider said about an accepted message.
type Receipt struct {
	// ProviderID is the provider's id for the message, used to match delivery reports.
	ProviderID string
	// Segments is the number of SMS segments billed (0 when not SMS).
	Segments int
}

// SendError classifies a failed send so the caller can decide whether to retry.
type SendError struct {
	// Permanent is true when retrying cannot help (opted out, invalid number).
	Permanent bool
	// Code is the provider's error code, if any.
	Code string
	Err  error
}

func (e *SendError) Error() string {
	kind := "retryable"
	if e.Permanent {
		kind = "permanent"
	}
	if e.Code != "" {
		return kind + " send error " + e.Code + ": " + e.Err.Error()
	}
	return kind + " send error: " + e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a send failure that must not be retried.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

// digitRun is what may be a phone number or a NIK inside a provider's words: digits,
// possibly written in groups (0812 3456 7890, +1 (415) 555-0100). Dots do not join
// groups, so that addresses in network errors (dial tcp 192.168.1.20:8080) stay
// readable.
var digitRun = regexp.MustCompile(`\+?\(?\d[\d ()-]*\d`)

// MaskDigits hides the middle of every run of eight or more digits in s, as MaskPhone
// does, however the digits are grouped: for text from providers and libraries (error
// messages that quote the number they refused) before it is logged or stored.
func MaskDigits(s string) string {
	return digitRun.ReplaceAllStringFunc(s, func(run string) string {
		digits := strings.Map(func(r rune) rune {
			if '0' <= r && r <= '9' || r == '+' {
				return r
			}
			return -1
		}, run)
		if len(strings.TrimPrefix(digits, "+")) < 8 {
			return run
		}
		return MaskPhone(digits)
	})
}

// IsE164 reports whether s is a phone number in E.164 form: + and 8 to 15 digits.
func IsE164(s string) bool {
	d, ok := strings.CutPrefix(s, "+")
	return ok && len(d) >= 8 && len(d) <= 15 && strings.Trim(d, "0123456789") == ""
}

// MaskPhone hides the middle of a phone number, the only form in which a number may
// appear in a log line: +62812****7890.
func MaskPhone(p string) string {
	switch {
	case len(p) <= 4:
		return strings.Repeat("*", len(p))
	case len(p) <= 10:
		return strings.Repeat("*", len(p)-4) + p[len(p)-4:]
	}
	return p[:6] + strings.Repeat("*", len(p)-10) + p[len(p)-4:]
}

// Recorder takes the record of each message an adapter carries (who, how many SMS
// segments, how far it got; never the text). store.Batcher is one, writing them in
// batches.
type Recorder interface {
	Add(ctx context.Context, r domain.MessageRecord) error
}
