// Package twilio is the Twilio channel: inbound SMS and WhatsApp by webhook, replies and
// pushes through the REST API (twilio-go), delivery reports by status callback. Every
// Twilio quirk stays in here: signatures checked against the public URL, the GSM-7
// shaping and segment counting of SMS, the WhatsApp 24-hour window and templates, and
// the meaning of Twilio's error codes.
package twilio

import (
	"errors"
	"strings"
	"time"
)

// Channel names, as stored with each case so that pushes go back the same way.
const (
	ChannelSMS      = "twilio-sms"
	ChannelWhatsApp = "twilio-whatsapp"
)

// whatsappPrefix marks WhatsApp addresses on Twilio ("whatsapp:+62812...").
const whatsappPrefix = "whatsapp:"

// Config is the Twilio account and numbers.
type Config struct {
	AccountSID string
	AuthToken  string
	// SMSFrom is the sending number (+62...) or a Messaging Service SID (MG...).
	SMSFrom string
	// WhatsAppFrom is the WhatsApp Business sender number (+62...).
	WhatsAppFrom string
	// PublicURL is the base URL Twilio calls (https://silakso.example.go.id), used to
	// check signatures and to build the status callback URL. Behind a reverse proxy it
	// is the proxy's address, not ours.
	PublicURL string
	// APIBaseURL points the REST client at a Twilio-compatible provider or a fake
	// (default https://api.twilio.com).
	APIBaseURL string
	// WhatsAppTemplateSID is an approved Content API template that asks the resident to
	// write back; it carries pushes outside the 24-hour window.
	WhatsAppTemplateSID string
	// HTTPTimeout bounds each REST call (default 10 s); twilio-go takes no context.
	HTTPTimeout time.Duration
	// Retries says Twilio was set up to deliver a webhook again when it fails (a
	// retry policy on the webhook URL, and the fallback URL; README). Only then does a
	// turn that fails answer 503 and tell the resident nothing yet; without it every
	// delivery is the last, and the resident is told at once to write again later.
	Retries bool
}

// Metrics is what the channel reports; silakso serve exports it to Prometheus.
type Metrics interface {
	// Inbound counts webhooks by channel and result: accepted, duplicate, failed.
	Inbound(channel, result string)
	// Rejected counts refused webhooks by reason: no_signature, bad_signature, bad_request.
	Rejected(reason string)
	// Sent counts outbound messages by channel and result (sent, retryable, permanent)
	// and the SMS segments of those sent.
	Sent(channel, result string, segments int)
	// Status counts delivery reports by status.
	Status(status string)
}

// NopMetrics discards metrics.
type NopMetrics struct{}

func (NopMetrics) Inbound(string, string)   {}
func (NopMetrics) Rejected(string)          {}
func (NopMetrics) Sent(string, string, int) {}
func (NopMetrics) Status(string)            {}

// ErrOutsideWindow: a WhatsApp push more than 24 hours after the resident last wrote,
// with no approved template to carry it.
var ErrOutsideWindow = errors.New("twilio: outside the WhatsApp 24-hour window and no template configured")

// address turns a channel and an E.164 number into Twilio's address form.
func address(channel, e164 string) string {
	if channel == ChannelWhatsApp {
		return whatsappPrefix + e164
	}
	return e164
}

// parseAddress splits a Twilio address into channel and E.164 number.
func parseAddress(a string) (channel, e164 string, ok bool) {
	channel = ChannelSMS
	if rest, isWA := strings.CutPrefix(a, whatsappPrefix); isWA {
		channel, a = ChannelWhatsApp, rest
	}
	if len(a) < 8 || len(a) > 16 || a[0] != '+' || strings.Trim(a[1:], "0123456789") != "" {
		return "", "", false
	}
	return channel, a, true
}
