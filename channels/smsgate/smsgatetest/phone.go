// Package smsgatetest fakes SMS Gateway for Android on 127.0.0.1, in its documented
// wire format: the send API of the phone's local server or the cloud (Gateway), and
// the phone posting signed events to a webhook (Phone).
package smsgatetest

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
)

// wib is the phone's time zone in Bangka (UTC+7); the app writes dates in it.
var wib = time.FixedZone("WIB", 7*3600)

// DateLayout is how the app writes dates (yyyy-MM-dd'T'HH:mm:ss.SSSXXX).
const DateLayout = "2006-01-02T15:04:05.000Z07:00"

// Phone posts events to a webhook as the app does: a JSON envelope, signed.
type Phone struct {
	// URL is the webhook (SILAKSO_PUBLIC_URL + smsgate.EventsPath).
	URL string
	// Key is the signing key set in the app.
	Key string
	// DeviceID names the phone in every event.
	DeviceID string
	// Number is the phone's own SIM number, the recipient of what it receives.
	Number string
	// Now is the phone's clock (default time.Now).
	Now    func() time.Time
	Client *http.Client

	mu sync.Mutex
	// stamped is the last SMS centre time per sender: it has whole seconds, and one
	// person's SMS never share one (nobody sends twice within a second), so two equal
	// texts sent quickly in a test are stamped a second apart.
	stamped map[string]time.Time
}

// NewPhone makes a phone posting to url, signing with key.
func NewPhone(url, key string) *Phone {
	return &Phone{URL: url, Key: key, DeviceID: "ffffffffceb0b1db0000018e937c815b", Number: "+6281999000111",
		Client: &http.Client{Timeout: 30 * time.Second}}
}

func (p *Phone) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// NewID is a fresh id as the app makes them (21 characters, URL-safe).
func NewID() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])[:21]
}

// Envelope wraps payload in an event as the app sends it, under a new envelope id.
func (p *Phone) Envelope(event string, payload any) []byte {
	b, err := json.Marshal(map[string]any{
		"deviceId": p.DeviceID, "event": event, "id": NewID(), "payload": payload, "webhookId": smsgate.HookID(event),
	})
	if err != nil {
		panic(err)
	}
	return b
}

// Post signs body with the phone's clock and key and posts it; it returns the status.
func (p *Phone) Post(ctx context.Context, body []byte) (int, error) {
	ts := strconv.FormatInt(p.now().Unix(), 10)
	return p.PostSigned(ctx, body, ts, smsgate.Sign(p.Key, body, ts))
}

// PostSigned posts body with the given timestamp and signature headers (empty: left
// out), for requests that are not the phone's.
func (p *Phone) PostSigned(ctx context.Context, body []byte, timestamp, signature string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set("User-Agent", "me.capcom.smsgateway/1.68.0")
	if timestamp != "" {
		req.Header.Set("X-Timestamp", timestamp)
	}
	if signature != "" {
		req.Header.Set("X-Signature", signature)
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Deliver posts body until it is answered 2xx, as the app retries a webhook (here
// every 50 ms, at most tries times); it returns the last status.
func (p *Phone) Deliver(ctx context.Context, body []byte, tries int) (int, error) {
	var code int
	var err error
	for i := 0; i < tries; i++ {
		code, err = p.Post(ctx, body)
		if err == nil && code/100 == 2 {
			return code, nil
		}
		select {
		case <-ctx.Done():
			return code, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return code, err
}

// Received is the payload of an SMS the phone received from from, as app 1.54 and
// later write it (sender, and the deprecated phoneNumber beside it). The message id is
// a hash of the content, as the app's is.
func (p *Phone) Received(from, text string, at time.Time) map[string]any {
	return map[string]any{
		"message": text, "receivedAt": at.In(wib).Format(DateLayout),
		"messageId":   strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(from+text+at.String()))), 16),
		"phoneNumber": from, "recipient": p.Number, "sender": from, "simNumber": 1,
	}
}

// Receive posts an SMS from from, received now (to the second, as SMS centres stamp
// it), until it is accepted.
func (p *Phone) Receive(ctx context.Context, from, text string) error {
	p.mu.Lock()
	at := p.now().Truncate(time.Second)
	if last, ok := p.stamped[from]; ok && !at.After(last) {
		at = last.Add(time.Second)
	}
	if p.stamped == nil {
		p.stamped = map[string]time.Time{}
	}
	p.stamped[from] = at
	p.mu.Unlock()
	body := p.Envelope(smsgate.EventReceived, p.Received(from, text, at))
	code, err := p.Deliver(ctx, body, 100)
	if err != nil {
		return err
	}
	if code/100 != 2 {
		return fmt.Errorf("smsgatetest: the webhook answered %d", code)
	}
	return nil
}

// Report posts a delivery event for message id sent to to: sms:sent (with parts),
// sms:delivered or sms:failed (with reason).
func (p *Phone) Report(ctx context.Context, event, id, to string, parts int, reason string) (int, error) {
	now := p.now().In(wib).Format(DateLayout)
	pl := map[string]any{"messageId": id, "phoneNumber": to, "recipient": to, "sender": p.Number, "simNumber": 1}
	switch event {
	case smsgate.EventSent:
		pl["partsCount"], pl["sentAt"] = parts, now
	case smsgate.EventDelivered:
		pl["deliveredAt"] = now
	case smsgate.EventFailed:
		pl["failedAt"], pl["reason"] = now, reason
	}
	return p.Deliver(ctx, p.Envelope(event, pl), 100)
}

// Ping posts a system:ping with the phone's health, battery at battery per cent.
func (p *Phone) Ping(ctx context.Context, battery int) (int, error) {
	check := func(desc, unit string, v int) map[string]any {
		return map[string]any{"description": desc, "observedUnit": unit, "observedValue": v, "status": "pass"}
	}
	return p.Post(ctx, p.Envelope(smsgate.EventPing, map[string]any{"health": map[string]any{
		"checks": map[string]any{
			"battery:level":     check("Battery level in percent", "percent", battery),
			"connection:status": check("Internet connection status", "boolean", 1),
		},
		"releaseId": 68, "status": "pass", "version": "1.68.0",
	}}))
}
