package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/channels/twilio/twiliotest"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

const (
	testSID   = "ACf00dfeedf00dfeedf00dfeedf00dfeed"
	testToken = "0123456789abcdef0123456789abcdef"
	testURL   = "https://silakso.example.go.id"
	// testDataKey seals the test databases on PostgreSQL (32 bytes of 7, in base64).
	testDataKey = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc="
)

// startServe runs `silakso serve` on a free port with env and returns its base URL.
func startServe(t *testing.T, env map[string]string) string {
	t.Helper()
	env["SILAKSO_HTTP_ADDR"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan int)
	var errOut strings.Builder
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), w, &errOut)
		w.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("serve did not start: %v\n%s", err, errOut.String())
	}
	go io.Copy(io.Discard, out)
	addr := strings.TrimSpace(strings.TrimPrefix(line, "silakso serving on "))
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d:\n%s", code, errOut.String())
		}
		if strings.Contains(errOut.String(), "+6281234567890") {
			t.Errorf("a phone number reached the log:\n%s", errOut.String())
		}
	})
	return "http://" + addr
}

// A whole intake over HTTP, as Twilio would deliver it, on PostgreSQL and Redis: the
// case is in the database and the ticket reply reached the (fake) Twilio API.
func TestServeConversationOverHTTP(t *testing.T) {
	api := twiliotest.NewAPI(testSID, testToken)
	fake := httptest.NewServer(api)
	defer fake.Close()
	_, prefix := storetest.Redis(t)
	pgURL := storetest.PostgresDatabase(t)
	env := map[string]string{
		"SILAKSO_DATABASE_URL": pgURL, "SILAKSO_REDIS_URL": storetest.RedisURL(), "SILAKSO_REDIS_PREFIX": prefix, "SILAKSO_DATA_KEY": testDataKey,
		"SILAKSO_PUBLIC_URL": testURL, "TWILIO_ACCOUNT_SID": testSID, "TWILIO_AUTH_TOKEN": testToken,
		"TWILIO_FROM": "+6281100001111", "TWILIO_WHATSAPP_FROM": "+6281100002222", "TWILIO_API_BASE_URL": fake.URL,
	}
	// An officer covering Koba hears about the new case by SMS, through the outbox.
	if code, _, errOut := runCmd(t, env, "", "officer", "add", "--phone", "081100000001", "--name", "Rudi",
		"--role", "petugas", "--kecamatan", "Koba", "--pin", "2468"); code != 0 {
		t.Fatal(errOut)
	}
	base := startServe(t, env)

	script := []string{"halo", "1", "1", "Siti Aminah", "1904014507850001", "1", "6", "Dusun 2 RT 03", "1",
		"Suami sakit, tidak bisa bekerja dan beras habis.", "YA"}
	for i, text := range script {
		form := url.Values{
			"MessageSid": {fmt.Sprintf("SM%032d", i)}, "AccountSid": {testSID}, "From": {"whatsapp:+6281234567890"},
			"To": {"whatsapp:+6281100002222"}, "Body": {text}, "NumMedia": {"0"}, "ProfileName": {"Siti"}, "WaId": {"6281234567890"},
		}
		for range 2 { // every webhook delivered twice
			req, _ := http.NewRequest(http.MethodPost, base+"/twilio/messages", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Twilio-Signature", twiliotest.Sign(testToken, testURL+"/twilio/messages", form))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("message %d: status %d", i, resp.StatusCode)
			}
		}
	}

	// The replies go out in the background; wait for the ticket to reach Twilio.
	var ticketReply string
	deadline := time.Now().Add(10 * time.Second)
	for ticketReply == "" && time.Now().Before(deadline) {
		for _, m := range api.Messages() {
			if strings.Contains(m.Form.Get("Body"), "CEK "+firstTicket) {
				ticketReply = m.Form.Get("Body")
				if m.Form.Get("To") != "whatsapp:+6281234567890" || m.Form.Get("From") != "whatsapp:+6281100002222" ||
					m.Form.Get("StatusCallback") != testURL+"/twilio/status" {
					t.Fatalf("ticket reply form %v", m.Form)
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ticketReply == "" {
		t.Fatalf("no ticket reply among %d messages sent", len(api.Messages()))
	}
	var notice string
	deadline = time.Now().Add(10 * time.Second)
	for notice == "" && time.Now().Before(deadline) {
		for _, m := range api.Messages() {
			if m.Form.Get("To") == "+6281100000001" {
				notice = m.Form.Get("Body")
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if notice != "Kasus baru "+firstTicket+": Nibung, Sembako. Balas AMBIL "+firstTicket {
		t.Fatalf("officer notice %q", notice)
	}
	if n := len(api.Messages()); n != len(script)+1 {
		t.Fatalf("%d messages for %d replies and one notice (duplicates must not be answered)", n, len(script))
	}

	conn, err := pgx.Connect(context.Background(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var ticket, channel string
	if err := conn.QueryRow(context.Background(), `SELECT ticket, channel FROM cases`).Scan(&ticket, &channel); err != nil {
		t.Fatal(err)
	}
	if ticket != firstTicket || channel != "twilio-whatsapp" {
		t.Fatalf("case %s on %s", ticket, channel)
	}

	for path, want := range map[string]string{
		"/healthz": "ok",
		"/readyz":  `"redis":"ok"`,
		"/metrics": `silakso_cases_filed_total{channel="twilio-whatsapp"} 1`,
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	// Message records are written in batches; the ticket reply's record lands shortly.
	deadline = time.Now().Add(5 * time.Second)
	for {
		var out, in int
		conn.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE direction = 'out'), count(*) FILTER (WHERE direction = 'in') FROM messages`).Scan(&out, &in)
		if out == len(script)+1 && in == len(script) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("message records: %d out, %d in; want %d replies + 1 notice out, %d in", out, in, len(script), len(script))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestServeConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"token without account", map[string]string{"TWILIO_AUTH_TOKEN": "x"}, "TWILIO_ACCOUNT_SID is not set"},
		{"token twilio-go would refuse", map[string]string{"TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcde!", "TWILIO_ACCOUNT_SID": testSID},
			"TWILIO_AUTH_TOKEN: not an auth token"},
		{"bad send concurrency", map[string]string{"SILAKSO_SEND_CONCURRENCY": "0"}, `SILAKSO_SEND_CONCURRENCY="0"`},
		{"bad retries switch", map[string]string{"TWILIO_WEBHOOK_RETRIES": "sometimes"}, `TWILIO_WEBHOOK_RETRIES="sometimes"`},
		{"not an account SID", map[string]string{"TWILIO_AUTH_TOKEN": testToken, "TWILIO_ACCOUNT_SID": "foo"}, `TWILIO_ACCOUNT_SID="foo"`},
		{"sender not a number", map[string]string{"TWILIO_AUTH_TOKEN": testToken, "TWILIO_ACCOUNT_SID": testSID, "SILAKSO_PUBLIC_URL": testURL,
			"TWILIO_FROM": "0811"}, `TWILIO_FROM="0811"`},
		{"whatsapp sender not a number", map[string]string{"TWILIO_AUTH_TOKEN": testToken, "TWILIO_ACCOUNT_SID": testSID, "SILAKSO_PUBLIC_URL": testURL,
			"TWILIO_WHATSAPP_FROM": "abc"}, `TWILIO_WHATSAPP_FROM="abc"`},
		{"not a template SID", map[string]string{"TWILIO_AUTH_TOKEN": testToken, "TWILIO_ACCOUNT_SID": testSID, "SILAKSO_PUBLIC_URL": testURL,
			"TWILIO_FROM": "+6281100001111", "TWILIO_WHATSAPP_TEMPLATE_SID": "xyz"}, `TWILIO_WHATSAPP_TEMPLATE_SID="xyz"`},
		{"several instances on in-process sessions", map[string]string{"SILAKSO_INSTANCES": "2"}, "SILAKSO_INSTANCES=2 needs SILAKSO_REDIS_URL"},
		{"several instances on SQLite", map[string]string{"SILAKSO_INSTANCES": "2", "SILAKSO_REDIS_URL": "redis://127.0.0.1:6379/0"}, "needs SILAKSO_DATABASE_URL=postgres://"},
		{"bad instance count", map[string]string{"SILAKSO_INSTANCES": "two"}, "SILAKSO_INSTANCES=\"two\""},
		{"plain http public url", map[string]string{"SILAKSO_PUBLIC_URL": "http://silakso.example.go.id"}, "SILAKSO_PUBLIC_URL=\"http://silakso.example.go.id\": use https://"},
		{"debug listener on every address", map[string]string{"SILAKSO_DEBUG_ADDR": ":6060"}, "SILAKSO_DEBUG_ADDR=\":6060\": profiling is served on loopback only"},
		{"debug listener on a public address", map[string]string{"SILAKSO_DEBUG_ADDR": "10.0.0.5:6060"}, "loopback only"},
		{"debug listener with no port", map[string]string{"SILAKSO_DEBUG_ADDR": "localhost:6060x"}, "loopback only"},
		{"send countries not codes", map[string]string{"SILAKSO_SEND_COUNTRIES": "Indonesia"}, "SILAKSO_SEND_COUNTRIES=\"Indonesia\""},
		{"officer session too short", map[string]string{"SILAKSO_OFFICER_SESSION": "10s"}, "SILAKSO_OFFICER_SESSION=\"10s\": use a duration between 1m and 168h"},
		{"officer lock not a duration", map[string]string{"SILAKSO_OFFICER_LOCK": "half an hour"}, "SILAKSO_OFFICER_LOCK=\"half an hour\""},
		{"no public url", map[string]string{"TWILIO_AUTH_TOKEN": "x", "TWILIO_ACCOUNT_SID": testSID}, "SILAKSO_PUBLIC_URL is not set"},
		{"no sender", map[string]string{"TWILIO_AUTH_TOKEN": "x", "TWILIO_ACCOUNT_SID": testSID, "SILAKSO_PUBLIC_URL": testURL}, "set TWILIO_FROM"},
		{"bad api base", map[string]string{"SILAKSO_DATA_DIR": t.TempDir(), "TWILIO_AUTH_TOKEN": "x", "TWILIO_ACCOUNT_SID": testSID, "SILAKSO_PUBLIC_URL": testURL, "TWILIO_FROM": "+6281100001111", "TWILIO_API_BASE_URL": "localhost"}, "TWILIO_API_BASE_URL"},
		{"port taken", map[string]string{"SILAKSO_DATA_DIR": t.TempDir(), "SILAKSO_HTTP_ADDR": "256.0.0.1:1"}, "SILAKSO_HTTP_ADDR"},
		{"whatsapp not linked", map[string]string{"SILAKSO_DATA_DIR": t.TempDir(), "SILAKSO_WHATSAPP": "on"}, "no WhatsApp number is linked: run silakso whatsapp link first"},
		{"bad whatsapp switch", map[string]string{"SILAKSO_WHATSAPP": "maybe"}, `SILAKSO_WHATSAPP="maybe": use on or off`},
		{"whatsapp on several instances", map[string]string{"SILAKSO_WHATSAPP": "on", "SILAKSO_INSTANCES": "2", "SILAKSO_REDIS_URL": "redis://127.0.0.1:6379/0",
			"SILAKSO_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres"}, "a linked WhatsApp number keeps one connection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, tt.env, "", "serve")
			if code != 1 || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d: %s", code, errOut)
			}
		})
	}
}

func TestLogsMaskPersonalData(t *testing.T) {
	var b strings.Builder
	log := newLogger(&b, -4)
	log.Info("x", "a", "from +6281234567890 and 081234567890", "nik", "NIK 1904014507850001", "err", fmt.Errorf("lookup 6281234567890 failed"),
		"grouped", "0812 3456 7890 and +1 (415) 555-0100", "remote", "192.168.100.200:8080")
	out := b.String()
	if !strings.Contains(out, "192.168.100.200:8080") {
		t.Errorf("an address was masked: %s", out)
	}
	for _, leak := range []string{"+6281234567890", "081234567890", "1904014507850001", "6281234567890", "3456 7890", "555-0100"} {
		if strings.Contains(out, leak) {
			t.Fatalf("log contains %s: %s", leak, out)
		}
	}
}

// With SILAKSO_INTERNAL_ADDR, metrics and the readiness details are on the operators'
// side only: the public side answers the load balancer with the status alone, and has
// no /metrics.
func TestInternalListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	internal := ln.Addr().String()
	ln.Close()
	base := startServe(t, map[string]string{"SILAKSO_DATA_DIR": t.TempDir(), "SILAKSO_INTERNAL_ADDR": internal})
	get := func(url string) (int, string) {
		t.Helper()
		var resp *http.Response
		for range 50 { // the internal listener starts beside the public one
			if resp, err = http.Get(url); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(base + "/metrics"); code != http.StatusNotFound {
		t.Errorf("public /metrics: %d, want 404", code)
	}
	// No channel is configured, so the service is not ready; the public side says only that.
	if code, body := get(base + "/readyz"); code != http.StatusServiceUnavailable || strings.TrimSpace(body) != `{"status":"unavailable"}` {
		t.Errorf("public /readyz: %d %s", code, body)
	}
	if code, body := get("http://" + internal + "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, `"channels":"no channel configured"`) {
		t.Errorf("internal /readyz: %d %s", code, body)
	}
	if code, _ := get("http://" + internal + "/metrics"); code != http.StatusOK {
		t.Errorf("internal /metrics: %d", code)
	}
}
