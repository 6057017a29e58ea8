package smsgate_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/channelstest"
	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
	"github.com/dinsospmd-bateng/silakso/channels/smsgate/smsgatetest"
)

const key = "Xq3vT9pL"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// site is a webhook on 127.0.0.1 with a fake bot behind it, and a phone posting to it.
type site struct {
	bot   *channelstest.Recorder
	state *smsgate.MemoryState
	phone *smsgatetest.Phone
	hook  *smsgate.Webhook
	rejected
}

// rejected counts refusals by reason, as the metrics do.
type rejected struct {
	mu      sync.Mutex
	reasons map[string]int
	battery int
}

func (r *rejected) Inbound(string, string)   {}
func (r *rejected) Sent(string, string, int) {}
func (r *rejected) Status(string)            {}
func (r *rejected) Rejected(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reasons[reason]++
}
func (r *rejected) Phone(_ time.Time, battery int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if battery >= 0 {
		r.battery = battery
	}
}

func newSite(t *testing.T, cfg smsgate.Config) *site {
	t.Helper()
	s := &site{bot: &channelstest.Recorder{}, state: smsgate.NewMemoryState()}
	s.reasons = map[string]int{}
	s.hook = smsgate.NewWebhook(cfg, s.bot, s.bot, s.bot, s.state, &s.rejected, quiet)
	mux := http.NewServeMux()
	s.hook.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.phone = smsgatetest.NewPhone(srv.URL+smsgate.EventsPath, key)
	return s
}

func recorded(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eventually waits for what the webhook does after answering (records, last heard).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not done after 5 s: %s", what)
		}
	}
}

func (s *site) records() []domain.MessageRecord { return s.bot.MessageRecords() }

func post(t *testing.T, s *site, body []byte) int {
	t.Helper()
	code, err := s.phone.Post(context.Background(), body)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// The signature is the app's: checked against a vector computed apart from this code.
func TestSignMatchesTheApp(t *testing.T) {
	got := smsgate.Sign(key, recorded(t, "signature_vector.json"), "1752462931")
	if want := "be84d6c30e042c4d38866bf278b4bb527cc86302923da6923618a60b64984a3d"; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

// Every request is verified before it is read: unsigned, wrongly signed, stale or
// future, oversized, malformed and unknown requests reach nobody.
func TestRefusedRequests(t *testing.T) {
	s := newSite(t, smsgate.Config{SigningKey: key})
	body := recorded(t, "received.json")
	now := strconv.FormatInt(time.Now().Unix(), 10)
	stale := strconv.FormatInt(time.Now().Add(-6*time.Minute).Unix(), 10)
	future := strconv.FormatInt(time.Now().Add(6*time.Minute).Unix(), 10)
	big := []byte(`{"event":"sms:received","payload":{"message":"` + strings.Repeat("a", 65<<10) + `"}}`)
	for _, tc := range []struct {
		name, ts, sig string
		body          []byte
		code          int
		reason        string
	}{
		{"no signature", now, "", body, 401, "no_signature"},
		{"no timestamp", "", smsgate.Sign(key, body, now), body, 401, "no_signature"},
		{"wrong key", now, smsgate.Sign("another", body, now), body, 401, "bad_signature"},
		{"signature of another body", now, smsgate.Sign(key, recorded(t, "ping.json"), now), body, 401, "bad_signature"},
		{"not hex", now, "zz" + smsgate.Sign(key, body, now)[2:], body, 401, "bad_signature"},
		{"stale timestamp, signed", stale, smsgate.Sign(key, body, stale), body, 401, "stale_timestamp"},
		{"timestamp in the future, signed", future, smsgate.Sign(key, body, future), body, 401, "stale_timestamp"},
		{"timestamp not a number", "yesterday", smsgate.Sign(key, body, "yesterday"), body, 401, "stale_timestamp"},
		{"over 64 KiB, signed", now, smsgate.Sign(key, big, now), big, 413, "too_large"},
		{"invalid JSON, signed", now, smsgate.Sign(key, []byte(`{"event":`), now), []byte(`{"event":`), 400, "bad_request"},
		{"no event, signed", now, smsgate.Sign(key, []byte(`{"id":"x"}`), now), []byte(`{"id":"x"}`), 400, "bad_request"},
		{"payload not an object, signed", now, smsgate.Sign(key, []byte(`{"event":"sms:received","payload":[1]}`), now),
			[]byte(`{"event":"sms:received","payload":[1]}`), 400, "bad_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := s.phone.PostSigned(context.Background(), tc.body, tc.ts, tc.sig)
			if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Fatalf("status %d, want %d", code, tc.code)
			}
			s.mu.Lock()
			n := s.reasons[tc.reason]
			s.mu.Unlock()
			if n == 0 {
				t.Fatalf("not counted as %s: %v", tc.reason, s.reasons)
			}
		})
	}
	if len(s.bot.Inbound) != 0 || len(s.bot.Records) != 0 {
		t.Fatalf("a refused request was processed: %+v %+v", s.bot.Inbound, s.bot.Records)
	}
	if last, _ := s.state.LastHeard(context.Background()); !last.IsZero() {
		t.Fatal("a refused request counted as the phone heard from")
	}

	// Without a signing key nothing is taken, however it is signed.
	open := newSite(t, smsgate.Config{})
	if code := post(t, open, body); code != http.StatusNotFound || len(open.bot.Inbound) != 0 {
		t.Fatalf("no signing key: status %d, processed %d", code, len(open.bot.Inbound))
	}
}

// The recorded SMS become the bot's messages: the sender in E.164 whichever way the
// phone wrote it, the text whole, the time the SMS centre stamped.
func TestReceivedSMS(t *testing.T) {
	s := newSite(t, smsgate.Config{SigningKey: key})
	for _, name := range []string{"received.json", "received_legacy.json"} {
		if code := post(t, s, recorded(t, name)); code != http.StatusNoContent {
			t.Fatalf("%s: status %d", name, code)
		}
	}
	if len(s.bot.Inbound) != 2 {
		t.Fatalf("turns %+v", s.bot.Inbound)
	}
	in := s.bot.Inbound[0]
	wantTime := time.Date(2026, 11, 29, 3, 15, 30, 0, time.UTC)
	if in.Channel != smsgate.Channel || in.From != "+6281234567890" || in.Text != "Tolong pak, saya butuh bantuan beras" ||
		!in.Time.Equal(wantTime) || in.ID == "" {
		t.Fatalf("inbound %+v", in)
	}
	if legacy := s.bot.Inbound[1]; legacy.From != "+6281234567890" || legacy.Text != "halo" {
		t.Fatalf("legacy phoneNumber field: %+v", legacy)
	}
	if len(s.bot.Replies) != 2 || s.bot.Replies[0].To != "+6281234567890" || s.bot.Replies[0].Channel != smsgate.Channel {
		t.Fatalf("replies %+v", s.bot.Replies)
	}
	eventually(t, "two records", func() bool { return len(s.records()) == 2 })
	if recs := s.records(); recs[0].Direction != domain.Inbound || recs[0].Status != "received" {
		t.Fatalf("records %+v", recs)
	}
	eventually(t, "the phone heard from", func() bool { last, _ := s.state.LastHeard(context.Background()); return !last.IsZero() })
}

func TestSenders(t *testing.T) {
	s := newSite(t, smsgate.Config{SigningKey: key})
	at := time.Now().Truncate(time.Second)
	long := strings.Repeat("Saya janda dengan tiga anak, rumah bocor dan beras habis sejak minggu lalu. ", 6)[:400]
	for i, tc := range []struct {
		sender, text, want string
	}{
		{"+6281234567801", "halo", "+6281234567801"},
		{"081234567802", "halo", "+6281234567802"},
		{"6281234567803", "halo", "+6281234567803"},
		{"+6281234567804", "", "+6281234567804"}, // empty text: the bot answers it
		{"+6281234567805", long, "+6281234567805"},
		{"TELKOMSEL", "Sisa pulsa Anda Rp 1.000", ""},
		{"3636", "Paket aktif", ""},
		{"", "tanpa pengirim", ""},
	} {
		p := s.phone.Received(tc.sender, tc.text, at.Add(time.Duration(i)*time.Second))
		if code := post(t, s, s.phone.Envelope(smsgate.EventReceived, p)); code != http.StatusNoContent {
			t.Fatalf("%q: status %d", tc.sender, code)
		}
	}
	var got []string
	for _, in := range s.bot.Inbound {
		got = append(got, in.From)
		if in.From == "+6281234567805" && in.Text != long {
			t.Fatalf("the 400-character message came as %d characters", len(in.Text))
		}
	}
	if want := "+6281234567801 +6281234567802 +6281234567803 +6281234567804 +6281234567805"; strings.Join(got, " ") != want {
		t.Fatalf("answered %v, want %s (names, short codes and nobody are not answered)", got, want)
	}
}

// The phone posts one SMS again under a new envelope id (a webhook registered twice, a
// replay): the bot sees the same message id and drops it. The same text from the same
// resident later is a new message.
func TestDuplicateUnderANewEnvelope(t *testing.T) {
	s := newSite(t, smsgate.Config{SigningKey: key})
	at := time.Now().Truncate(time.Second)
	p := s.phone.Received("081234567890", "1", at)
	for range 3 {
		if code := post(t, s, s.phone.Envelope(smsgate.EventReceived, p)); code != http.StatusNoContent {
			t.Fatalf("status %d", code)
		}
	}
	post(t, s, s.phone.Envelope(smsgate.EventReceived, s.phone.Received("081234567890", "1", at.Add(time.Minute))))
	if len(s.bot.Inbound) != 2 || len(s.bot.Replies) != 2 {
		t.Fatalf("%d turns and %d replies for one SMS sent three times and one sent later; want 2 and 2", len(s.bot.Inbound), len(s.bot.Replies))
	}
}

// A turn that fails is answered 503, so the phone keeps the SMS and posts it again; that
// delivery is processed.
func TestFailedTurnIsPostedAgain(t *testing.T) {
	s := newSite(t, smsgate.Config{SigningKey: key})
	s.bot.Fail, s.bot.FailTimes = errors.New("database down (test)"), 2
	if err := s.phone.Receive(context.Background(), "081234567890", "halo"); err != nil {
		t.Fatal(err)
	}
	if len(s.bot.Inbound) != 3 {
		t.Fatalf("turns %d, want 3 (two failed, one processed)", len(s.bot.Inbound))
	}
	if len(s.bot.Replies) != 1 || s.bot.Replies[0].Text != "ok" {
		t.Fatalf("replies %+v: a failed turn tells the resident nothing, the retry answers", s.bot.Replies)
	}
}

// A two-part message: sent with partsCount 2, then a report per part; delivered only
// when both are, and a report posted again is not a second part.
func TestMultipartDelivery(t *testing.T) {
	s := newSite(t, smsgate.Config{SigningKey: key})
	status := func() string {
		merged := domain.MergeRecords(s.bot.Records)
		if len(merged) != 1 {
			t.Fatalf("records %+v", merged)
		}
		return merged[0].Status + "/" + strconv.Itoa(merged[0].Segments)
	}
	post(t, s, recorded(t, "sent_multipart.json"))
	if got := status(); got != "sent/2" {
		t.Fatalf("after sms:sent: %s", got)
	}
	part1 := recorded(t, "delivered_part1.json")
	post(t, s, part1)
	post(t, s, part1) // the app posts an event again when our answer was lost
	if got := status(); got != "sent/2" {
		t.Fatalf("after one part of two: %s", got)
	}
	post(t, s, recorded(t, "delivered_part2.json"))
	if got := status(); got != "delivered/2" {
		t.Fatalf("after both parts: %s", got)
	}
	if rec := s.bot.Records[0]; rec.Direction != domain.Outbound || rec.ProviderID != "5d41402abc4b2a76b9719d911017c592" || rec.Peer != "+6281234567890" {
		t.Fatalf("record %+v", rec)
	}
}

func TestFailedPingAndIgnoredEvents(t *testing.T) {
	s := newSite(t, smsgate.Config{SigningKey: key})
	for name, want := range map[string]int{"failed.json": 204, "ping.json": 204, "data_received.json": 204, "app_started.json": 204} {
		if code := post(t, s, recorded(t, name)); code != want {
			t.Fatalf("%s: status %d, want %d", name, code, want)
		}
	}
	if len(s.bot.Inbound) != 0 {
		t.Fatalf("turns %+v", s.bot.Inbound)
	}
	if recs := s.records(); len(recs) != 1 || recs[0].Status != "failed" || recs[0].ErrorCode != "RESULT_ERROR_NO_SERVICE" ||
		!strings.Contains(recs[0].Error, "service is currently unavailable") {
		t.Fatalf("records %+v", recs)
	}
	eventually(t, "battery 87 from the ping", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.battery == 87 })
	// An MMS is a turn with media and no text (its subject, "Foto KK", is no answer).
	post(t, s, recorded(t, "mms_received.json"))
	if len(s.bot.Inbound) != 1 || s.bot.Inbound[0].Media != 1 || s.bot.Inbound[0].Text != "" || s.bot.Inbound[0].From != "+6281234567890" {
		t.Fatalf("mms %+v", s.bot.Inbound)
	}
}

// With SMSGATE_DEVICE_ID set, events of the account's other phones are not taken.
func TestOtherDeviceIgnored(t *testing.T) {
	s := newSite(t, smsgate.Config{SigningKey: key, DeviceID: "PyDmBQZZXYmyxMwED8Fzy"})
	post(t, s, recorded(t, "received.json")) // from ffff...
	if len(s.bot.Inbound) != 0 {
		t.Fatal("an SMS of another phone was taken")
	}
	s.phone.DeviceID = "PyDmBQZZXYmyxMwED8Fzy"
	post(t, s, s.phone.Envelope(smsgate.EventReceived, s.phone.Received("081234567890", "halo", time.Now())))
	if len(s.bot.Inbound) != 1 {
		t.Fatal("the configured phone's SMS was not taken")
	}
}

// After Close the webhook answers 503: the phone keeps the event for the next process.
func TestClosedWebhookRefuses(t *testing.T) {
	s := newSite(t, smsgate.Config{SigningKey: key})
	if err := s.hook.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code := post(t, s, recorded(t, "received.json")); code != http.StatusServiceUnavailable || len(s.bot.Inbound) != 0 {
		t.Fatalf("status %d, turns %d", code, len(s.bot.Inbound))
	}
}

// Fuzzing the body behind a valid signature: whatever the phone (or a holder of the key)
// posts is answered with a status, never a crash.
func FuzzEvent(f *testing.F) {
	for _, name := range []string{"received.json", "received_legacy.json", "sent_multipart.json", "failed.json", "ping.json", "mms_received.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"event":"sms:delivered","payload":{}}`))
	f.Add([]byte(`{"event":"sms:received","payload":{"sender":"+62","receivedAt":"x"}}`))
	hook := smsgate.NewWebhook(smsgate.Config{SigningKey: key}, &channelstest.Recorder{}, &channelstest.Recorder{}, nil,
		smsgate.NewMemoryState(), nil, quiet)
	mux := http.NewServeMux()
	hook.Register(mux)
	f.Fuzz(func(t *testing.T, body []byte) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req := httptest.NewRequest(http.MethodPost, smsgate.EventsPath, strings.NewReader(string(body)))
		req.Header.Set("X-Timestamp", ts)
		req.Header.Set("X-Signature", smsgate.Sign(key, body, ts))
		rw := httptest.NewRecorder()
		mux.ServeHTTP(rw, req)
		if rw.Code < 200 || rw.Code >= 500 && rw.Code != http.StatusServiceUnavailable {
			t.Fatalf("status %d for %q", rw.Code, body)
		}
		var v any
		if rw.Code == http.StatusNoContent && json.Unmarshal(body, &v) != nil {
			t.Fatalf("invalid JSON accepted: %q", body)
		}
	})
}

var _ channels.Handler = (*channelstest.Recorder)(nil)

// An SMS whose time cannot be read (an app on an old Android writes "+-5:00") is still
// known again when the phone posts it a second time.
func TestUnreadableTimeStillDeduplicated(t *testing.T) {
	s := newSite(t, smsgate.Config{SigningKey: key})
	p := s.phone.Received("081234567890", "1", time.Now())
	p["receivedAt"] = "2026-11-29T10:15:30.000+-5:00"
	for range 2 {
		post(t, s, s.phone.Envelope(smsgate.EventReceived, p))
		time.Sleep(2 * time.Millisecond)
	}
	if len(s.bot.Inbound) != 1 || len(s.bot.Replies) != 1 {
		t.Fatalf("%d turns, %d replies for one SMS posted twice", len(s.bot.Inbound), len(s.bot.Replies))
	}
}

// A report whose ids are not ours (empty, far too long, odd characters) updates nothing
// and is not posted again.
func TestReportWithForeignIDIgnored(t *testing.T) {
	s := newSite(t, smsgate.Config{SigningKey: key})
	for _, id := range []string{"", strings.Repeat("a", 65), "id with spaces", "x\x00y"} {
		body := s.phone.Envelope(smsgate.EventDelivered, map[string]any{"messageId": id, "recipient": "+6281234567890"})
		if code := post(t, s, body); code != http.StatusNoContent {
			t.Fatalf("id %q: status %d", id, code)
		}
	}
	if recs := s.records(); len(recs) != 0 {
		t.Fatalf("records %+v", recs)
	}
}
