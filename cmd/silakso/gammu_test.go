package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/dinsospmd-bateng/silakso/channels/gammu"
	"github.com/dinsospmd-bateng/silakso/channels/gammu/gammutest"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// smsTo waits until at least n messages went to number through gammu-smsd, and returns
// their texts.
func smsTo(t *testing.T, g *gammutest.Gateway, number string, n int, within time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var texts []string
		sent, err := g.SentMessages()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sent {
			if s.To == number {
				texts = append(texts, s.Text)
			}
		}
		if len(texts) >= n {
			return texts
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d SMS to %s within %v, want %d: %q", len(texts), number, within, n, texts)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitReport waits until /readyz reports want (it stays 200: a silent device does not
// make the instance unready).
func waitReport(t *testing.T, base, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		code, body := readyz(t, base)
		if code == 200 && strings.Contains(body, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz %d %s after %v; want 200 with %q", code, body, within, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func readyz(t *testing.T, base string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A resident with a keypad phone files a request by plain SMS through the office's
// modem (the real gammu-smsd, with its dummy phone): every message in through Gammu's
// inbox, every reply out through its outbox, the case filed, the ticket received; the
// officer hears of it by SMS, takes it by SMS, and the resident is told. Then the modem
// goes silent: /readyz says so, the supervisor is alerted once, and what the resident
// wrote meanwhile is answered when the modem is back.
func TestGammuIntakeEndToEnd(t *testing.T) {
	t.Parallel()
	g := gammutest.Start(t)
	_, prefix := storetest.Redis(t)
	pgURL := storetest.PostgresDatabase(t)
	gammuIntake(t, g, map[string]string{
		"SILAKSO_DATABASE_URL": pgURL, "SILAKSO_REDIS_URL": storetest.RedisURL(), "SILAKSO_REDIS_PREFIX": prefix, "SILAKSO_DATA_KEY": testDataKey,
		"SILAKSO_DATA_DIR": t.TempDir(),
	}, func() (*sql.DB, error) { return sql.Open("pgx", pgURL) })
}

// The same in the embedded mode: the case database and Gammu's tables in SQLite files,
// sessions in the process, nothing else installed but gammu-smsd.
func TestGammuIntakeEndToEndEmbedded(t *testing.T) {
	t.Parallel()
	g := gammutest.StartSQLite(t)
	dir := t.TempDir()
	gammuIntake(t, g, map[string]string{"SILAKSO_DATA_DIR": dir},
		func() (*sql.DB, error) { return sql.Open("sqlite", "file:"+filepath.Join(dir, "silakso.db")) })
}

func gammuIntake(t *testing.T, g *gammutest.Gateway, env map[string]string, cases func() (*sql.DB, error)) {
	maps.Copy(env, map[string]string{
		"SILAKSO_GAMMU_DATABASE_URL": g.URL, "SILAKSO_GAMMU_SEND_RATE": "600",
		"SILAKSO_GAMMU_STALE_AFTER": "3s", "SILAKSO_GAMMU_ALERT_AFTER": "10s", "SILAKSO_LOG_LEVEL": "warn",
	})
	const officer, supervisor, resident = "+6281100000001", "+6281100000009", "+6281234567890"
	for _, args := range [][]string{
		{"officer", "add", "--phone", "081100000001", "--name", "Rudi", "--role", "petugas", "--kecamatan", "Koba", "--channel", gammu.Channel, "--pin", "2468"},
		{"officer", "add", "--phone", "081100000009", "--name", "Sari", "--role", "supervisor", "--channel", gammu.Channel, "--pin", "2468"},
	} {
		if code, _, errOut := runCmd(t, env, "", args...); code != 0 {
			t.Fatal(errOut)
		}
	}
	base := startServe(t, env)
	if code, body := readyz(t, base); code != 200 || !strings.Contains(body, `"gammu":"ok"`) {
		t.Fatalf("readyz %d %s", code, body)
	}

	script := []string{"halo", "1", "1", "Siti Aminah", "1904014507850001", "1", "6", "Dusun 2 RT 03", "1",
		"Suami sakit, tidak bisa bekerja dan beras habis.", "YA"}
	// The resident writes from the modem's point of view in the national form.
	for i, text := range script {
		g.Receive(gammutest.SMS{From: "081234567890", Text: text})
		smsTo(t, g, resident, i+1, 30*time.Second)
	}
	replies := smsTo(t, g, resident, len(script), 30*time.Second)
	ticket := regexp.MustCompile(`CEK (\d{7})`).FindStringSubmatch(strings.Join(replies, "\n"))
	if ticket == nil {
		t.Fatalf("no ticket among the replies:\n%s", strings.Join(replies, "\n---\n"))
	}
	var channel string
	db, err := cases()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRowContext(context.Background(), `SELECT channel FROM cases WHERE ticket = '`+ticket[1]+`'`).Scan(&channel); err != nil || channel != gammu.Channel {
		t.Fatalf("case %s: channel %q, err %v", ticket[1], channel, err)
	}
	for _, r := range replies {
		if strings.Contains(r, "1904014507850001") {
			t.Errorf("a reply carries the full NIK: %q", r)
		}
	}

	notice := smsTo(t, g, officer, 1, 30*time.Second)[0]
	if !strings.Contains(notice, "Kasus baru "+ticket[1]) {
		t.Fatalf("officer notice %q", notice)
	}
	g.Receive(gammutest.SMS{From: officer, Text: "MASUK 2468"})
	smsTo(t, g, officer, 2, 30*time.Second)
	g.Receive(gammutest.SMS{From: officer, Text: "AMBIL " + ticket[1]})
	smsTo(t, g, officer, 3, 30*time.Second)
	replies = smsTo(t, g, resident, len(script)+1, 30*time.Second)
	if push := replies[len(replies)-1]; !strings.Contains(push, ticket[1]) {
		t.Fatalf("status push %q", push)
	}

	// The modem goes silent.
	// The alert time is long enough that gammu-smsd's status rounds (every second here)
	// never miss it on a machine busy with the other tests, and the stop is longer.
	g.StopDaemon()
	stopped := time.Now()
	waitReport(t, base, "last heard", 20*time.Second)
	g.Receive(gammutest.SMS{From: "081234567890", Text: "CEK " + ticket[1]})
	time.Sleep(time.Until(stopped.Add(13 * time.Second))) // past the alert time
	g.StartDaemon()
	status := smsTo(t, g, resident, len(script)+2, 30*time.Second)
	if last := status[len(status)-1]; !strings.Contains(last, "Tiket "+ticket[1]) {
		t.Errorf("answer to CEK after the modem came back: %q", last)
	}
	alerts := 0
	for _, s := range smsTo(t, g, supervisor, 1, 30*time.Second) {
		if strings.Contains(s, "modem SMS tidak terdengar") {
			alerts++
		}
	}
	time.Sleep(3 * time.Second)
	if alerts != 1 {
		t.Errorf("supervisor alerted %d times, want once", alerts)
	}
	if code, body := readyz(t, base); code != 200 || !strings.Contains(body, `"gammu":"ok"`) {
		t.Errorf("readyz %d %s once the modem is back", code, body)
	}
}

// kill -9 while 30 residents' first SMS are being turned: after the restart every SMS
// is processed and none twice (nobody gets two welcomes), and each resident's next SMS
// continues from the saved step.
func TestGammuKilledMidTurns(t *testing.T) {
	t.Parallel()
	g := gammutest.Start(t)
	_, prefix := storetest.Redis(t)
	env := map[string]string{
		"SILAKSO_DATABASE_URL": storetest.PostgresDatabase(t), "SILAKSO_REDIS_URL": storetest.RedisURL(), "SILAKSO_DATA_KEY": testDataKey,
		"SILAKSO_REDIS_PREFIX": prefix, "SILAKSO_DATA_DIR": t.TempDir(), "SILAKSO_LOG_LEVEL": "warn",
		"SILAKSO_GAMMU_DATABASE_URL": g.URL, "SILAKSO_GAMMU_SEND_RATE": "6000",
	}
	p := startProcess(t, env)
	const n = 30
	number := func(i int) string { return fmt.Sprintf("+628130000%04d", i) }
	var msgs []gammutest.SMS
	for i := range n {
		msgs = append(msgs, gammutest.SMS{From: number(i), Text: "halo"})
	}
	g.Receive(msgs...)
	waitUntil(30*time.Second, func() bool { sent, _ := g.SentMessages(); return len(sent) > 0 })
	p.kill9()
	p.start()
	if !waitUntil(60*time.Second, func() bool { n, err := g.Unprocessed(); return err == nil && n == 0 }) {
		t.Fatal("SMS left unprocessed after the restart")
	}
	msgs = msgs[:0]
	for i := range n {
		msgs = append(msgs, gammutest.SMS{From: number(i), Text: "1"})
	}
	g.Receive(msgs...)
	if !waitUntil(60*time.Second, func() bool {
		sent, _ := g.SentMessages()
		asked := 0
		for _, s := range sent {
			if strings.HasPrefix(s.Text, "Untuk siapa") {
				asked++
			}
		}
		return asked == n
	}) {
		t.Fatal("not every resident was asked the next question")
	}
	sent, err := g.SentMessages()
	if err != nil {
		t.Fatal(err)
	}
	welcomes := map[string]int{}
	for _, s := range sent {
		if strings.HasPrefix(s.Text, "Selamat datang") {
			welcomes[s.To]++
		}
	}
	for to, c := range welcomes {
		if c > 1 {
			t.Errorf("%s got %d welcomes: a turn ran twice", to, c)
		}
	}
	t.Logf("%d of %d residents got their welcome (a reply in flight at kill -9 is best-effort)", len(welcomes), n)
}
