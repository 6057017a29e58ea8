package main

import (
	"context"
	"database/sql"
	"maps"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
	"github.com/dinsospmd-bateng/silakso/channels/smsgate/smsgatetest"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

const phoneKey = "5f1c2a9e7b3d40c8a6e2f9d1"

// A resident on a keypad phone files a request by SMS through the office's Android
// gateway phone (a fake of its send API, and a phone posting signed events as the app
// does): every SMS in by webhook, every reply out through the send API, the case filed,
// the ticket received and reported delivered part by part. The officer hears of it by
// SMS, takes it by SMS, and the resident is told. An SMS posted twice under two envelope
// ids is answered once. Then the phone goes silent: /readyz says so (and stays 200, so a
// load balancer keeps taking the phone's events), the supervisor is alerted once, and a
// ping makes it ok again.
func TestSMSGateIntakeEndToEnd(t *testing.T) {
	t.Parallel()
	_, prefix := storetest.Redis(t)
	pgURL := storetest.PostgresDatabase(t)
	smsgateIntake(t, map[string]string{
		"SILAKSO_DATABASE_URL": pgURL, "SILAKSO_REDIS_URL": storetest.RedisURL(), "SILAKSO_REDIS_PREFIX": prefix, "SILAKSO_DATA_KEY": testDataKey,
		"SILAKSO_DATA_DIR": t.TempDir(),
	}, func() (*sql.DB, error) { return sql.Open("pgx", pgURL) })
}

// The same with nothing installed: the case database in SQLite, sessions and the
// phone's state in the process.
func TestSMSGateIntakeEndToEndEmbedded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	smsgateIntake(t, map[string]string{"SILAKSO_DATA_DIR": dir},
		func() (*sql.DB, error) { return sql.Open("sqlite", "file:"+filepath.Join(dir, "silakso.db")) })
}

func smsgateIntake(t *testing.T, env map[string]string, cases func() (*sql.DB, error)) {
	ctx := context.Background()
	g := smsgatetest.Start(t)
	maps.Copy(env, map[string]string{
		"SMSGATE_URL": g.URL, "SMSGATE_USER": smsgatetest.User, "SMSGATE_PASSWORD": smsgatetest.Password,
		"SMSGATE_SIGNING_KEY": phoneKey, "SMSGATE_SEND_RATE": "6000", "SMSGATE_ALERT_AFTER": "3s",
		"SILAKSO_PUBLIC_URL": "https://silakso.example.go.id", "SILAKSO_LOG_LEVEL": "warn",
	})
	const officer, supervisor, resident = "+6281100000001", "+6281100000009", "+6281234567890"
	for _, args := range [][]string{
		{"officer", "add", "--phone", "081100000001", "--name", "Rudi", "--role", "petugas", "--kecamatan", "Koba", "--channel", smsgate.Channel, "--pin", "2468"},
		{"officer", "add", "--phone", "081100000009", "--name", "Sari", "--role", "supervisor", "--channel", smsgate.Channel, "--pin", "2468"},
	} {
		if code, _, errOut := runCmd(t, env, "", args...); code != 0 {
			t.Fatal(errOut)
		}
	}
	if code, out, errOut := runCmd(t, env, "", "smsgate", "register"); code != 0 || !strings.Contains(out, "all 6 events go to https://silakso.example.go.id/smsgate/events") {
		t.Fatalf("register: exit %d\n%s%s", code, out, errOut)
	}
	if len(g.Hooks()) != len(smsgate.Events) {
		t.Fatalf("hooks at the gateway: %v", g.Hooks())
	}

	base := startServe(t, env)
	phone := smsgatetest.NewPhone(base+smsgate.EventsPath, phoneKey)
	g.ReportWith(phone)
	// The app pings while it is up (every few minutes in the field, often here).
	pinging, stopPings := context.WithCancel(ctx)
	var pings sync.WaitGroup
	pings.Add(1)
	go func() {
		defer pings.Done()
		for pinging.Err() == nil {
			phone.Ping(pinging, 80)
			select {
			case <-pinging.Done():
			case <-time.After(300 * time.Millisecond):
			}
		}
	}()
	if code, body := readyz(t, base); code != 200 || !strings.Contains(body, `"smsgate":"ok"`) {
		t.Fatalf("readyz %d %s", code, body)
	}

	script := []string{"halo", "1", "1", "Siti Aminah", "1904014507850001", "1", "6", "Dusun 2 RT 03", "1",
		"Suami sakit, tidak bisa bekerja dan beras habis.", "YA"}
	for i, text := range script {
		// The phone reports senders in the national form.
		if err := phone.Receive(ctx, "081234567890", text); err != nil {
			t.Fatal(err)
		}
		g.WaitTexts(t, resident, i+1, 30*time.Second)
	}
	replies := g.WaitTexts(t, resident, len(script), 30*time.Second)
	ticket := regexp.MustCompile(`CEK (\d{7})`).FindStringSubmatch(strings.Join(replies, "\n"))
	if ticket == nil {
		t.Fatalf("no ticket among the replies:\n%s", strings.Join(replies, "\n---\n"))
	}
	for _, r := range replies {
		if strings.Contains(r, "1904014507850001") {
			t.Errorf("a reply carries the full NIK: %q", r)
		}
	}
	db, err := cases()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var channel string
	if err := db.QueryRowContext(ctx, `SELECT channel FROM cases WHERE ticket = '`+ticket[1]+`'`).Scan(&channel); err != nil || channel != smsgate.Channel {
		t.Fatalf("case %s: channel %q, err %v", ticket[1], channel, err)
	}

	// The ticket's SMS was reported sent and delivered, part by part, to the record the
	// send made.
	var ticketID string
	for _, m := range g.Accepted() {
		if m.To == resident && strings.Contains(m.Text, "CEK "+ticket[1]) {
			ticketID = m.ID
		}
	}
	if !waitUntil(10*time.Second, func() bool {
		var status string
		db.QueryRowContext(ctx, `SELECT status FROM messages WHERE direction = 'out' AND provider_id = '`+ticketID+`'`).Scan(&status)
		return status == "delivered"
	}) {
		var status string
		var segments int
		err := db.QueryRowContext(ctx, `SELECT status, segments FROM messages WHERE provider_id = '`+ticketID+`'`).Scan(&status, &segments)
		t.Fatalf("ticket message %s: status %q, %d segments, %v; want delivered", ticketID, status, segments, err)
	}

	// One SMS posted twice under two envelope ids (a webhook registered twice): answered
	// once.
	before := len(g.TextsTo(resident))
	again := phone.Received("081234567890", "YA", time.Now().Add(-time.Hour).Truncate(time.Second))
	for range 2 {
		if code, err := phone.Post(ctx, phone.Envelope(smsgate.EventReceived, again)); err != nil || code != 204 {
			t.Fatalf("post: %d %v", code, err)
		}
	}
	g.WaitTexts(t, resident, before+1, 30*time.Second)

	notice := g.WaitTexts(t, officer, 1, 30*time.Second)[0]
	if !strings.Contains(notice, "Kasus baru "+ticket[1]) {
		t.Fatalf("officer notice %q", notice)
	}
	if err := phone.Receive(ctx, officer, "MASUK 2468"); err != nil {
		t.Fatal(err)
	}
	g.WaitTexts(t, officer, 2, 30*time.Second)
	if err := phone.Receive(ctx, officer, "AMBIL "+ticket[1]); err != nil {
		t.Fatal(err)
	}
	g.WaitTexts(t, officer, 3, 30*time.Second)
	pushed := g.WaitTexts(t, resident, before+2, 30*time.Second)
	if push := pushed[len(pushed)-1]; !strings.Contains(push, ticket[1]) {
		t.Fatalf("status push %q", push)
	}
	if n := len(g.TextsTo(resident)); n != before+2 {
		t.Fatalf("the resident got %d SMS after the repeated one, want 2 (its answer once, the push)", n-before)
	}

	// The phone goes silent: no pings, and no reports of what is sent through it (an
	// off phone sends nothing; the reports would count as hearing from it).
	stopPings()
	pings.Wait()
	g.ReportWith(nil)
	waitReport(t, base, "last heard", 20*time.Second)
	alerts := func() int {
		n := 0
		for _, s := range g.TextsTo(supervisor) {
			if strings.Contains(s, "HP gerbang SMS tidak terdengar") {
				n++
			}
		}
		return n
	}
	if !waitUntil(20*time.Second, func() bool { return alerts() > 0 }) {
		t.Fatalf("supervisor not alerted; got %q", g.TextsTo(supervisor))
	}
	time.Sleep(3 * time.Second) // several more rounds of the monitor
	if n := alerts(); n != 1 {
		t.Errorf("supervisor alerted %d times for one silence, want once", n)
	}
	phone.Ping(ctx, 75)
	if code, body := readyz(t, base); code != 200 || !strings.Contains(body, `"smsgate":"ok"`) {
		t.Errorf("readyz %d %s after a ping", code, body)
	}
}

// register and check, as an operator meets them: a wrong password named, SILAKSO's own
// webhooks to an old address and another service reading residents' SMS pointed out.
func TestSMSGateRegisterAndCheck(t *testing.T) {
	g := smsgatetest.Start(t)
	env := map[string]string{
		"SILAKSO_DATA_DIR": t.TempDir(), "SILAKSO_PUBLIC_URL": "https://silakso.example.go.id",
		"SMSGATE_URL": g.URL, "SMSGATE_USER": smsgatetest.User, "SMSGATE_PASSWORD": "wrong", "SMSGATE_SIGNING_KEY": phoneKey,
	}
	code, _, errOut := runCmd(t, env, "", "smsgate", "register")
	if code != 1 || !strings.Contains(errOut, "check SMSGATE_USER and SMSGATE_PASSWORD") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("wrong password: exit %d %q", code, errOut)
	}
	env["SMSGATE_PASSWORD"] = smsgatetest.Password
	if code, out, errOut := runCmd(t, env, "", "smsgate", "check"); code != 1 || !strings.Contains(errOut, "run silakso smsgate register") {
		t.Fatalf("check before register: exit %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, env, "", "smsgate", "register"); code != 0 {
		t.Fatal(errOut)
	}
	c, err := smsgate.NewClient(smsgate.Config{URL: g.URL, User: smsgatetest.User, Password: smsgatetest.Password})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RegisterHook(context.Background(), smsgate.Hook{ID: "n8n", URL: "https://n8n.example/hook", Event: smsgate.EventReceived}); err != nil {
		t.Fatal(err)
	}
	env["SILAKSO_PUBLIC_URL"] = "https://baru.example.go.id"
	code, out, errOut := runCmd(t, env, "", "smsgate", "check")
	if code != 1 || !strings.Contains(out, "old         sms:received") || !strings.Contains(out, "WARNING     sms:received   -> https://n8n.example/hook") {
		t.Fatalf("check after the address changed: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, env, "", "smsgate", "--help"); code != 0 || !strings.Contains(out, "silakso smsgate register") {
		t.Fatalf("--help: exit %d %s", code, out)
	}
}
