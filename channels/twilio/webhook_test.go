package twilio_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/channelstest"
	"github.com/dinsospmd-bateng/silakso/channels/twilio"
	"github.com/dinsospmd-bateng/silakso/channels/twilio/twiliotest"
)

const (
	accountSID = "ACf00dfeedf00dfeedf00dfeedf00dfeed"
	authToken  = "0123456789abcdef0123456789abcdef"
	publicURL  = "https://silakso.example.go.id"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// recorded adds the opt-out store to the shared fake.
type recorded struct {
	channelstest.Recorder
	mu       sync.Mutex
	optedOut []string
}

func (r *recorded) SetOptOut(_ context.Context, phone string, stopped bool, _ time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if stopped {
		r.optedOut = append(r.optedOut, phone)
	}
	return nil
}

func serve(t *testing.T, cfg twilio.Config, r *recorded, window twilio.WindowStore) *httptest.Server {
	t.Helper()
	w := twilio.NewWebhook(cfg, r, r, r, r, window, nil, quiet)
	mux := http.NewServeMux()
	w.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func payload(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// post sends body to the server at pathAndQuery, signed for signURL ("" = unsigned).
func post(t *testing.T, srv *httptest.Server, pathAndQuery, body, signURL, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+pathAndQuery, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if signURL != "" {
		form, err := url.ParseQuery(body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Twilio-Signature", twiliotest.Sign(token, signURL, form))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestInboundWebhook(t *testing.T) {
	cfg := twilio.Config{AccountSID: accountSID, AuthToken: authToken, PublicURL: publicURL}
	tests := []struct {
		name     string
		file     string
		path     string
		signURL  string
		token    string
		wantCode int
		want     *channels.Inbound
	}{
		{"sms", "sms.form", "/twilio/messages", publicURL + "/twilio/messages", authToken, 200,
			&channels.Inbound{Channel: twilio.ChannelSMS, ID: "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9", From: "+6281234567890", Text: "halo"}},
		{"whatsapp with profile name", "whatsapp.form", "/twilio/messages", publicURL + "/twilio/messages", authToken, 200,
			&channels.Inbound{Channel: twilio.ChannelWhatsApp, ID: "SM1b2c3d4e5f60718293a4b5c6d7e8f90a", From: "+6281234567890", Text: "Assalamualaikum, saya mau tanya bantuan"}},
		{"whatsapp media without body", "whatsapp_media.form", "/twilio/messages", publicURL + "/twilio/messages", authToken, 200,
			&channels.Inbound{Channel: twilio.ChannelWhatsApp, ID: "MM2c3d4e5f60718293a4b5c6d7e8f90a1b", From: "+6281234567890", Media: 1}},
		{"query string is part of the signed URL", "sms.form", "/twilio/messages?office=bateng", publicURL + "/twilio/messages?office=bateng", authToken, 200,
			&channels.Inbound{Channel: twilio.ChannelSMS, ID: "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9", From: "+6281234567890", Text: "halo"}},
		{"forged: signed with another token", "sms.form", "/twilio/messages", publicURL + "/twilio/messages", "ffffffffffffffffffffffffffffffff", 403, nil},
		{"missing signature", "sms.form", "/twilio/messages", "", authToken, 403, nil},
		{"signed for our internal address, not the public one", "sms.form", "/twilio/messages", "http://127.0.0.1:8080/twilio/messages", authToken, 403, nil},
		{"signed for another path", "sms.form", "/twilio/messages", publicURL + "/twilio/status", authToken, 403, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorded{}
			window := twilio.NewMemoryWindow()
			srv := serve(t, cfg, r, window)
			resp := post(t, srv, tt.path, payload(t, tt.file), tt.signURL, tt.token)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantCode)
			}
			if tt.want == nil {
				if len(r.Inbound) != 0 || len(r.Records) != 0 {
					t.Fatalf("rejected webhook was processed: %+v", r.Inbound)
				}
				return
			}
			if len(r.Inbound) != 1 {
				t.Fatalf("%d messages handled", len(r.Inbound))
			}
			got := r.Inbound[0]
			got.Time = time.Time{}
			if got != *tt.want {
				t.Fatalf("inbound %+v\nwant %+v", got, *tt.want)
			}
			if resp.Header.Get("Content-Type") != "text/xml" {
				t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
			}
			if len(r.Replies) != 1 || r.Replies[0].Channel != tt.want.Channel || r.Replies[0].To != tt.want.From {
				t.Fatalf("replies %+v", r.Replies)
			}
			if len(r.Records) != 1 || r.Records[0].Direction != domain.Inbound || r.Records[0].ProviderID != tt.want.ID {
				t.Fatalf("records %+v", r.Records)
			}
			open, _ := window.Open(context.Background(), tt.want.From, time.Now())
			if open != (tt.want.Channel == twilio.ChannelWhatsApp) {
				t.Fatalf("whatsapp window open = %v", open)
			}
		})
	}
}

func TestReplayedWebhookIsProcessedOnce(t *testing.T) {
	r := &recorded{}
	srv := serve(t, twilio.Config{AuthToken: authToken, PublicURL: publicURL}, r, nil)
	for range 3 {
		if resp := post(t, srv, "/twilio/messages", payload(t, "sms.form"), publicURL+"/twilio/messages", authToken); resp.StatusCode != 200 {
			t.Fatalf("replay answered %d; Twilio would keep retrying", resp.StatusCode)
		}
	}
	if len(r.Inbound) != 1 || len(r.Replies) != 1 {
		t.Fatalf("replayed webhook handled %d times, %d replies", len(r.Inbound), len(r.Replies))
	}
}

func TestWebhooksOffWithoutAuthToken(t *testing.T) {
	r := &recorded{}
	srv := serve(t, twilio.Config{PublicURL: publicURL}, r, nil)
	resp := post(t, srv, "/twilio/messages", payload(t, "sms.form"), publicURL+"/twilio/messages", "")
	if resp.StatusCode != http.StatusNotFound || len(r.Inbound) != 0 {
		t.Fatalf("status %d, %d handled", resp.StatusCode, len(r.Inbound))
	}
}

func TestMalformedWebhooks(t *testing.T) {
	r := &recorded{}
	srv := serve(t, twilio.Config{AuthToken: authToken, PublicURL: publicURL}, r, nil)
	for name, body := range map[string]string{
		"no MessageSid":     "From=%2B6281234567890&Body=halo",
		"no From":           "MessageSid=SM1&Body=halo",
		"From not E.164":    "MessageSid=SM1&From=081234567890&Body=halo",
		"huge body":         "MessageSid=SM1&From=%2B6281234567890&Body=" + strings.Repeat("a", 70<<10),
		"NUL in MessageSid": "MessageSid=SM0000000000000000000000000000000%00&From=%2B6281234567890&Body=halo",
		"short MessageSid":  "MessageSid=SM1&From=%2B6281234567890&Body=halo",
		"too many parameters": "MessageSid=SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&From=%2B6281234567890&Body=halo" +
			strings.Repeat("&x=1", 200),
	} {
		t.Run(name, func(t *testing.T) {
			resp := post(t, srv, "/twilio/messages", body, publicURL+"/twilio/messages", authToken)
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Fatalf("status %d", resp.StatusCode)
			}
		})
	}
	long := "/twilio/messages?x=" + strings.Repeat("a", 600)
	if resp := post(t, srv, long, payload(t, "sms.form"), publicURL+long, authToken); resp.StatusCode != http.StatusRequestURITooLong {
		t.Fatalf("a 600-byte query: status %d", resp.StatusCode)
	}
	if len(r.Inbound) != 0 {
		t.Fatalf("%d malformed webhooks handled", len(r.Inbound))
	}
}

// forged is a webhook with a bogus signature and as many parameters as fit the body
// limit: what an attacker sends to make each rejection expensive.
func forged(n int) string {
	var b strings.Builder
	b.WriteString("MessageSid=SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&From=%2B6281234567890&Body=halo")
	for i := range n {
		b.WriteString("&p")
		b.WriteString(strings.Repeat("x", i%5))
		b.WriteString("=1")
	}
	return b.String()
}

// A forged webhook with 10,000 parameters is refused before its signature is computed:
// it never reaches the bot, and (BenchmarkForgedWebhook) costs about what a small one
// does.
func TestForgedWebhookWithManyParameters(t *testing.T) {
	r := &recorded{}
	srv := serve(t, twilio.Config{AuthToken: authToken, PublicURL: publicURL}, r, nil)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/twilio/messages", strings.NewReader(forged(10000)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", "bogus")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || len(r.Inbound) != 0 {
		t.Fatalf("status %d, %d handled", resp.StatusCode, len(r.Inbound))
	}
}

// BenchmarkForgedWebhook measures what refusing a forged webhook costs the server, with
// a handful of parameters and with as many as fit 64 KB.
func BenchmarkForgedWebhook(b *testing.B) {
	w := twilio.NewWebhook(twilio.Config{AuthToken: authToken, PublicURL: publicURL}, &recorded{}, &recorded{}, &recorded{}, &recorded{}, nil, nil, quiet)
	mux := http.NewServeMux()
	w.Register(mux)
	for _, n := range []int{10, 10000} {
		body := forged(n)
		b.Run(fmt.Sprintf("params=%d", n), func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/twilio/messages", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Twilio-Signature", "bogus")
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				if rec.Code != http.StatusForbidden && rec.Code != http.StatusRequestEntityTooLarge {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

func TestStatusCallbacks(t *testing.T) {
	tests := []struct {
		file, status, code string
		optOut             bool
	}{
		{"status_queued.form", "queued", "", false},
		{"status_sent.form", "sent", "", false},
		{"status_delivered.form", "delivered", "", false},
		{"status_read.form", "read", "", false},
		{"status_whatsapp_read.form", "read", "", false},
		{"status_failed_30003.form", "failed", "30003", false},
		{"status_undelivered_30008.form", "undelivered", "30008", false},
		{"status_failed_21610.form", "failed", "21610", true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := &recorded{}
			srv := serve(t, twilio.Config{AuthToken: authToken, PublicURL: publicURL}, r, nil)
			resp := post(t, srv, "/twilio/status", payload(t, tt.file), publicURL+"/twilio/status", authToken)
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if len(r.Records) != 1 {
				t.Fatalf("%d records", len(r.Records))
			}
			rec := r.Records[0]
			if rec.Status != tt.status || rec.ErrorCode != tt.code || rec.ProviderID != "SM9f8e7d6c5b4a39281706f5e4d3c2b1a0" ||
				rec.Direction != domain.Outbound || rec.Peer != "+6281234567890" {
				t.Fatalf("record %+v", rec)
			}
			if tt.code != "" && rec.Error == "" {
				t.Fatalf("no readable reason for %s", tt.code)
			}
			if got := len(r.optedOut) == 1 && r.optedOut[0] == "+6281234567890"; got != tt.optOut {
				t.Fatalf("opted out: %v", r.optedOut)
			}
			// Forged and unsigned callbacks change nothing.
			post(t, srv, "/twilio/status", payload(t, tt.file), publicURL+"/twilio/status", "ffffffffffffffffffffffffffffffff")
			post(t, srv, "/twilio/status", payload(t, tt.file), "", authToken)
			if len(r.Records) != 1 {
				t.Fatalf("forged callback recorded")
			}
		})
	}
}

// slowHandler is a bot whose backend hangs: it returns only when the turn is cut off.
type slowHandler struct{ recorded }

func (h *slowHandler) Handle(ctx context.Context, in channels.Inbound) ([]channels.Outbound, error) {
	<-ctx.Done()
	return []channels.Outbound{{Channel: in.Channel, To: in.From, Text: "try again later"}}, ctx.Err()
}

// A hanging backend does not hold the webhook past the turn timeout. With Twilio set
// up to retry, on the primary URL the failed turn answers 503, so that Twilio delivers
// the message again, and tells the resident nothing yet; on the fallback URL (Twilio's
// last delivery) it answers 200 and the resident is told to try again.
func TestWebhookAnswersWhenBackendHangs(t *testing.T) {
	h := &slowHandler{}
	w := twilio.NewWebhook(twilio.Config{AuthToken: authToken, PublicURL: publicURL, Retries: true}, h, h, h, h, nil, nil, quiet)
	w.TurnTimeout = 200 * time.Millisecond
	mux := http.NewServeMux()
	w.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp := post(t, srv, "/twilio/messages", payload(t, "sms.form"), publicURL+"/twilio/messages", authToken)
	if resp.StatusCode != http.StatusServiceUnavailable || len(h.Replies) != 0 {
		t.Fatalf("primary: status %d, replies %+v", resp.StatusCode, h.Replies)
	}
	resp = post(t, srv, "/twilio/messages?fallback=1", payload(t, "sms.form"), publicURL+"/twilio/messages?fallback=1", authToken)
	if resp.StatusCode != 200 || len(h.Replies) != 1 {
		t.Fatalf("fallback: status %d, replies %+v", resp.StatusCode, h.Replies)
	}
}

// Without retries set up at Twilio, no delivery comes again: a failed turn answers 200
// and the resident is told at once to write again later.
func TestFailedTurnWithoutTwilioRetries(t *testing.T) {
	h := &slowHandler{}
	w := twilio.NewWebhook(twilio.Config{AuthToken: authToken, PublicURL: publicURL}, h, h, h, h, nil, nil, quiet)
	w.TurnTimeout = 100 * time.Millisecond
	mux := http.NewServeMux()
	w.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp := post(t, srv, "/twilio/messages", payload(t, "sms.form"), publicURL+"/twilio/messages", authToken)
	if resp.StatusCode != 200 || len(h.Replies) != 1 {
		t.Fatalf("status %d, replies %+v", resp.StatusCode, h.Replies)
	}
}
