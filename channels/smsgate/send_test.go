package smsgate_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/channelstest"
	"github.com/dinsospmd-bateng/silakso/channels/gsm7"
	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
	"github.com/dinsospmd-bateng/silakso/channels/smsgate/smsgatetest"
)

func newSender(t *testing.T, g *smsgatetest.Gateway, cfg smsgate.Config) (*smsgate.Sender, *channelstest.Recorder) {
	t.Helper()
	cfg.URL = g.URL
	if cfg.User == "" && cfg.Token == "" {
		cfg.User, cfg.Password = smsgatetest.User, smsgatetest.Password
	}
	rec := &channelstest.Recorder{}
	s, err := smsgate.NewSender(cfg, rec, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return s, rec
}

const resident = "+6281234567890"

func TestSendAccepted(t *testing.T) {
	g := smsgatetest.Start(t)
	s, rec := newSender(t, g, smsgate.Config{SIM: 2})
	r, err := s.Send(context.Background(), channels.Outbound{Channel: smsgate.Channel, To: resident, Text: "Tiket 2600025 diterima.", Key: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	got := g.Accepted()
	if len(got) != 1 || got[0].ID != "k1" || got[0].To != resident || got[0].Text != "Tiket 2600025 diterima." || got[0].SIM != 2 || !got[0].DeliveryReport {
		t.Fatalf("accepted %+v", got)
	}
	if r.ProviderID != "k1" || r.Segments != 1 {
		t.Fatalf("receipt %+v", r)
	}
	if len(rec.Records) != 1 || rec.Records[0].ProviderID != "k1" || rec.Records[0].Status != "queued" {
		t.Fatalf("records %+v", rec.Records)
	}
}

// A bearer token works instead of user and password. Wrong credentials (the app's
// password changes when it is installed again) are tried again: the messages wait in
// the outbox until the settings are right.
func TestSendCredentials(t *testing.T) {
	g := smsgatetest.Start(t)
	s, _ := newSender(t, g, smsgate.Config{Token: smsgatetest.Token})
	if _, err := s.Send(context.Background(), channels.Outbound{To: resident, Text: "a", Key: "t1"}); err != nil {
		t.Fatalf("bearer token: %v", err)
	}
	bad, _ := newSender(t, g, smsgate.Config{User: "sms", Password: "wrong"})
	_, err := bad.Send(context.Background(), channels.Outbound{To: resident, Text: "a", Key: "t2"})
	if err == nil || channels.IsPermanent(err) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong password: %v, want a retryable 401", err)
	}
}

// The gateway's answers, classified: a full queue, a server error and a slow answer are
// tried again; a request it refuses is not. A try whose answer was lost is accepted on
// the next try as already there, and the resident gets it once.
func TestSendAnswers(t *testing.T) {
	ctx := context.Background()
	g := smsgatetest.Start(t)
	s, _ := newSender(t, g, smsgate.Config{HTTPTimeout: 200 * time.Millisecond})
	for _, tc := range []struct {
		status    int
		permanent bool
	}{{503, false}, {500, false}, {429, false}, {401, false}, {403, false}, {400, true}, {404, true}} {
		g.Answer(tc.status)
		_, err := s.Send(ctx, channels.Outbound{To: resident, Text: "a", Key: "answer"})
		if err == nil || channels.IsPermanent(err) != tc.permanent {
			t.Fatalf("HTTP %d: err %v, want permanent=%v", tc.status, err, tc.permanent)
		}
	}
	if len(g.Accepted()) != 0 {
		t.Fatalf("accepted %+v", g.Accepted())
	}

	g.LoseAnswer(http.StatusBadGateway)
	if _, err := s.Send(ctx, channels.Outbound{To: resident, Text: "Tiket 2600025", Key: "lost"}); err == nil || channels.IsPermanent(err) {
		t.Fatalf("lost answer: %v, want retryable", err)
	}
	if _, err := s.Send(ctx, channels.Outbound{To: resident, Text: "Tiket 2600025", Key: "lost"}); err != nil {
		t.Fatalf("the retry of a message the gateway has (409): %v", err)
	}
	if n := len(g.TextsTo(resident)); n != 1 {
		t.Fatalf("the resident got the message %d times", n)
	}

	// An accepted message whose answer cannot be read is sent, not failed.
	for _, body := range []string{"<html>proxy</html>", `{"id":"x","state":`, `{"state":1}`} {
		g.AcceptWithBody(body)
		if _, err := s.Send(ctx, channels.Outbound{To: resident, Text: "odd answer", Key: "odd-" + body[:3]}); err != nil {
			t.Fatalf("202 with body %q: %v", body, err)
		}
	}

	g.Delay(time.Second)
	_, err := s.Send(ctx, channels.Outbound{To: resident, Text: "slow", Key: "slow"})
	if err == nil || channels.IsPermanent(err) {
		t.Fatalf("slow gateway: %v, want retryable", err)
	}
	g.Delay(0)

	// A gateway that is not there at all.
	down, _ := smsgate.NewSender(smsgate.Config{URL: "http://127.0.0.1:1", User: "u", Password: "p"}, nil, nil, quiet)
	if _, err := down.Send(ctx, channels.Outbound{To: resident, Text: "a", Key: "x"}); err == nil || channels.IsPermanent(err) {
		t.Fatalf("gateway down: %v, want retryable", err)
	}
}

// SMS are GSM-7 (the phone would send anything else as UCS-2, 70 characters a part),
// at most ten parts.
func TestSendShapesText(t *testing.T) {
	g := smsgatetest.Start(t)
	s, _ := newSender(t, g, smsgate.Config{})
	ctx := context.Background()
	s.Send(ctx, channels.Outbound{To: resident, Text: "\u201cTerima kasih\u201d \u2013 Dinsos \U0001F64F", Key: "a"})
	s.Send(ctx, channels.Outbound{To: resident, Text: strings.Repeat("Bantuan sembako. ", 200), Key: "b"})
	got := g.TextsTo(resident)
	if got[0] != `"Terima kasih" - Dinsos ` {
		t.Fatalf("shaped %q", got[0])
	}
	for _, text := range got {
		if !gsm7.Valid(text) {
			t.Fatalf("not GSM-7: %q", text)
		}
	}
	if n, _ := gsm7.Segments(got[1]); n != 10 || !strings.HasSuffix(got[1], "...") {
		t.Fatalf("long text: %d parts, ends %q", n, got[1][len(got[1])-10:])
	}
}

// register the webhooks twice: one per event, replaced the second time, not doubled.
func TestRegisterHooks(t *testing.T) {
	g := smsgatetest.Start(t)
	c, err := smsgate.NewClient(smsgate.Config{URL: g.URL, User: smsgatetest.User, Password: smsgatetest.Password})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		for _, e := range smsgate.Events {
			if err := c.RegisterHook(ctx, smsgate.Hook{ID: smsgate.HookID(e), URL: "https://silakso.example.go.id" + smsgate.EventsPath, Event: e}); err != nil {
				t.Fatal(err)
			}
		}
	}
	hooks, err := c.Hooks(ctx)
	if err != nil || len(hooks) != len(smsgate.Events) {
		t.Fatalf("hooks %+v, %v", hooks, err)
	}
	err = c.RegisterHook(ctx, smsgate.Hook{URL: "http://silakso.example.go.id/x", Event: smsgate.EventPing})
	if err == nil || !strings.Contains(err.Error(), "https://") {
		t.Fatalf("plain http refused with the gateway's words: %v", err)
	}
	if err := c.DeleteHook(ctx, smsgate.HookID(smsgate.EventPing)); err != nil {
		t.Fatal(err)
	}
	if len(g.Hooks()) != len(smsgate.Events)-1 {
		t.Fatalf("after delete: %v", g.Hooks())
	}
}

func TestClientURL(t *testing.T) {
	for _, u := range []string{"", "192.168.1.20:8080", "ftp://x", "http://"} {
		if _, err := smsgate.NewClient(smsgate.Config{URL: u}); err == nil || !strings.Contains(err.Error(), "SMSGATE_URL") {
			t.Errorf("URL %q: %v", u, err)
		}
	}
}
