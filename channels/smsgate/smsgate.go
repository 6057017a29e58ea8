// Package smsgate is the SMS channel through an Android phone running SMS Gateway for
// Android (SMSGate, github.com/capcom6/android-sms-gateway): a dedicated phone with a
// local SIM card gives the office two-way SMS on an ordinary Indonesian number. The
// phone posts signed events to our webhook (an SMS received, a message sent, delivered
// or failed, a ping); replies and pushes go to the gateway's send API, on the phone
// itself (local mode), on the office's own server (private mode) or on the public
// cloud.
//
// Every SMSGate quirk stays here: the signature over body and timestamp, the legacy
// field names of older app versions, the received SMS id that is a hash of its content,
// one delivery report per SMS part, and the meaning of the send API's status codes.
package smsgate

import (
	"context"
	"errors"
	"time"
)

// Channel is the channel name stored with each case, so that pushes go back the same way.
const Channel = "smsgate-sms"

// EventsPath is where the phone posts its events; `silakso smsgate register` gives the
// gateway SILAKSO_PUBLIC_URL + EventsPath.
const EventsPath = "/smsgate/events"

// Events are the events SILAKSO registers and acts on.
var Events = []string{EventReceived, EventMMSReceived, EventSent, EventDelivered, EventFailed, EventPing}

// Event names, as the app sends them.
const (
	EventReceived     = "sms:received"
	EventMMSReceived  = "mms:received"
	EventSent         = "sms:sent"
	EventDelivered    = "sms:delivered"
	EventFailed       = "sms:failed"
	EventCancelled    = "sms:cancelled"
	EventPing         = "system:ping"
	EventDataReceived = "sms:data-received"
)

// Config is the gateway and how to reach it.
type Config struct {
	// URL is the send API's base: the phone's local server (http://192.168.1.20:8080),
	// a private server (https://sms.example.go.id/api/3rdparty/v1) or the cloud
	// (https://api.sms-gate.app/3rdparty/v1).
	URL string
	// User and Password (Basic auth), or Token (a bearer token), as the app shows them.
	User, Password, Token string
	// SigningKey is the webhook signing key set in the app (Settings, Webhooks); every
	// event is checked with it.
	SigningKey string
	// DeviceID picks one phone when an account has several (cloud and private modes);
	// events from other phones are ignored. Empty: the gateway picks, and every phone
	// of the account is heard.
	DeviceID string
	// SIM is the SIM slot to send from (1-3); 0 lets the phone choose.
	SIM int
	// PublicURL is the base URL the phone calls (SILAKSO_PUBLIC_URL).
	PublicURL string
	// HTTPTimeout bounds each call to the gateway (default 10 s).
	HTTPTimeout time.Duration
	// TurnTimeout bounds the bot's turn for one event (default 4 s): the app gives up on
	// a webhook that has not answered within 5 s and sends it again later, so an answer
	// that comes after that is wasted.
	TurnTimeout time.Duration
	// MaxSkew is how far an event's X-Timestamp may be from our clock (default 5 min):
	// older signed events are refused, so a captured one cannot be replayed later.
	MaxSkew time.Duration
	// AlertAfter is how long the phone may be silent before readiness fails and the
	// supervisors are told (default 30 min). The app's ping (Settings, Ping) must come
	// more often than that.
	AlertAfter time.Duration
}

// WithDefaults fills in the defaults of the zero values.
func (c Config) WithDefaults() Config {
	if c.HTTPTimeout <= 0 {
		c.HTTPTimeout = 10 * time.Second
	}
	if c.TurnTimeout <= 0 {
		c.TurnTimeout = 4 * time.Second
	}
	if c.MaxSkew <= 0 {
		c.MaxSkew = 5 * time.Minute
	}
	if c.AlertAfter <= 0 {
		c.AlertAfter = 30 * time.Minute
	}
	return c
}

// Metrics is what the channel reports; silakso serve exports it to Prometheus.
type Metrics interface {
	// Inbound counts events that carried a message, by channel and result: accepted,
	// duplicate, failed, ignored.
	Inbound(channel, result string)
	// Rejected counts refused webhooks by reason: no_signature, bad_signature,
	// stale_timestamp, bad_request, too_large.
	Rejected(reason string)
	// Sent counts send attempts by channel and result (sent, retryable, permanent) and
	// the SMS parts of those sent.
	Sent(channel, result string, segments int)
	// Status counts delivery reports by status.
	Status(status string)
	// Phone reports when the phone was last heard from, and its battery (per cent, -1
	// when unknown).
	Phone(lastHeard time.Time, battery int)
}

// NopMetrics discards metrics.
type NopMetrics struct{}

func (NopMetrics) Inbound(string, string)   {}
func (NopMetrics) Rejected(string)          {}
func (NopMetrics) Sent(string, string, int) {}
func (NopMetrics) Status(string)            {}
func (NopMetrics) Phone(time.Time, int)     {}

// State is what every instance shares about the phone: events reach whichever instance
// the load balancer picks, so when the phone was last heard, whether the supervisors
// were told of a silence, and which parts of a message were delivered are kept in Redis
// (store/redis.Gateway) or, for one instance, in memory (MemoryState).
type State interface {
	// Heard records that the phone spoke at at; earlier times than the last are kept
	// out.
	Heard(ctx context.Context, at time.Time) error
	// LastHeard is when the phone last spoke; zero if never.
	LastHeard(ctx context.Context) (time.Time, error)
	// ClaimAlert reports whether the caller is the first to claim the alert for the
	// silence that began at since (one alert per silence, whichever instance notices).
	ClaimAlert(ctx context.Context, since time.Time) (bool, error)
	// NoteParts records how many SMS parts a message was sent as.
	NoteParts(ctx context.Context, messageID string, parts int) error
	// PartDelivered records the delivery report eventID of a message and returns how
	// many distinct reports it has had, and its parts (0 when not known).
	PartDelivered(ctx context.Context, messageID, eventID string) (delivered, parts int, err error)
}

// ErrNotConfigured: the webhook has no signing key, so it cannot tell the phone's
// events from anyone's.
var ErrNotConfigured = errors.New("smsgate: no webhook signing key configured")
