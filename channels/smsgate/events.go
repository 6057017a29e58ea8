package smsgate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// envelope is every event the app posts (WebHookEventDTO in the app's source).
type envelope struct {
	DeviceID  string          `json:"deviceId"`
	Event     string          `json:"event"`
	ID        string          `json:"id"`
	WebhookID string          `json:"webhookId"`
	Payload   json.RawMessage `json:"payload"`
}

// payload has the fields of the events SILAKSO reads. The app leaves out fields it has
// no value for, rather than sending null.
type payload struct {
	MessageID string `json:"messageId"`
	// Sender is who sent an SMS received; app versions before 1.54 send only
	// PhoneNumber, which newer ones still fill (with the sender for received messages,
	// the recipient for sent ones).
	Sender      string `json:"sender"`
	Recipient   string `json:"recipient"`
	PhoneNumber string `json:"phoneNumber"`
	SimNumber   *int   `json:"simNumber"`

	// sms:received
	Message    string `json:"message"`
	ReceivedAt string `json:"receivedAt"`
	// mms:received
	Subject string `json:"subject"`
	// sms:sent: -1 when the phone does not know
	PartsCount *int `json:"partsCount"`
	// sms:failed
	Reason string `json:"reason"`
	// system:ping
	Health *health `json:"health"`
}

// health is the phone's own report (the local server's /health, and the ping's payload).
type health struct {
	Status string `json:"status"`
	Checks map[string]struct {
		ObservedValue float64 `json:"observedValue"`
		Status        string  `json:"status"`
	} `json:"checks"`
}

// battery is the phone's battery level in per cent, -1 when not reported.
func (h *health) battery() int {
	if h == nil {
		return -1
	}
	c, ok := h.Checks["battery:level"]
	if !ok {
		return -1
	}
	return int(c.ObservedValue)
}

// from is the number an SMS came from, whichever app version sent it.
func (p payload) from() string {
	if p.Sender != "" {
		return p.Sender
	}
	return p.PhoneNumber
}

// to is the number a sent message went to, whichever app version reports it.
func (p payload) to() string {
	if p.Recipient != "" {
		return p.Recipient
	}
	return p.PhoneNumber
}

// validID reports whether s can be a message or event id of ours or the app's: the
// app's are 21-character NanoIds or short hex hashes, ours 32 hex digits; anything else
// is not stored or used as a key (a signed but malformed event could otherwise put 64
// KiB into an index).
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// parseTime reads the app's dates (2026-11-29T10:15:30.000+07:00; Z at UTC).
func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// inboundID names a received SMS for the bot's duplicate check. The app's message id
// is a hash of the content, not unique (two residents' "1" may share it), and one SMS
// can come twice under different envelope ids (a webhook registered twice, an event
// replayed by the app), so the id is the message id, the sender and the time the SMS
// centre stamped it, together.
func inboundID(messageID, from string, received time.Time, raw string) string {
	at := raw
	if !received.IsZero() {
		at = strconv.FormatInt(received.UnixMilli(), 10)
	}
	sum := sha256.Sum256([]byte(messageID + "\x00" + from + "\x00" + at))
	return "sg" + hex.EncodeToString(sum[:15])
}
