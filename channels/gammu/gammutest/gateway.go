// Package gammutest runs the real gammu-smsd for tests, with Gammu's dummy phone driver
// in place of a modem: SMS "received" by the phone are files a test writes into the
// dummy phone's folder, which gammu-smsd stores in its inbox table as it would from a
// modem; what SILAKSO inserts into the outbox table gammu-smsd sends through the dummy
// phone and moves to sentitems, where a test reads it.
package gammutest

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"

	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// PhoneID is the dummy modem's PhoneID in the smsdrc.
const PhoneID = "dummy1"

// schemaDirs are where Debian's gammu-smsd keeps Gammu's schemas (pgsql.sql,
// sqlite.sql).
var schemaDirs = []string{"/usr/share/doc/gammu-smsd/examples", "/usr/share/doc/gammu/examples/sql"}

const install = "install gammu-smsd (apt-get install gammu gammu-smsd, or bash .ci/services)"

// Gateway is a gammu-smsd on a database of its own, with a dummy phone.
type Gateway struct {
	t testing.TB
	// URL is the database's, for SILAKSO_GAMMU_DATABASE_URL.
	URL    string
	dir    string
	sqlite string // the database file, for a gateway on SQLite

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	next int
}

// Schema returns Gammu's pgsql.sql or sqlite.sql (name) as installed by Debian,
// without the line that PostgreSQL 9+ refuses (plpgsql is always there).
func Schema(name string) (string, error) {
	var files []string
	for _, d := range schemaDirs {
		files = append(files, filepath.Join(d, name), filepath.Join(d, name+".gz"))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if strings.HasSuffix(f, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return "", err
			}
			var out bytes.Buffer
			if _, err := out.ReadFrom(zr); err != nil {
				return "", err
			}
			b = out.Bytes()
		}
		return regexp.MustCompile(`(?m)^CREATE LANGUAGE plpgsql;\s*$`).ReplaceAllString(string(b), ""), nil
	}
	return "", fmt.Errorf("gammu's %s not found in %v: %s", name, schemaDirs, install)
}

// NewDatabase makes a fresh database with Gammu's tables and returns its URL. It is
// dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	schema, err := Schema("pgsql.sql")
	if err != nil {
		t.Fatal(err)
	}
	base, err := url.Parse(storetest.PostgresServer())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base.String())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("silakso_gammu_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base.String())
		if err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	u := *base
	u.Path = "/" + name
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Without arguments pgx uses the simple protocol, which runs a script of several
	// statements.
	if _, err := conn.Exec(ctx, schema); err != nil {
		t.Fatalf("load gammu's schema: %v", err)
	}
	return u.String()
}

// Start runs gammu-smsd with a dummy phone on a fresh PostgreSQL database; it is
// stopped when the test ends. A machine without gammu-smsd fails the test (it is not
// skipped).
func Start(t testing.TB) *Gateway {
	t.Helper()
	return start(t, &Gateway{t: t, URL: NewDatabase(t), dir: t.TempDir(), next: 1})
}

// StartSQLite runs gammu-smsd with a dummy phone on a fresh SQLite file (Gammu's sqlite3
// driver through libdbi, which needs Debian's libdbd-sqlite3).
func StartSQLite(t testing.TB) *Gateway {
	t.Helper()
	schema, err := Schema("sqlite.sql")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "gammu.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(schema); err != nil {
		t.Fatalf("load gammu's sqlite.sql: %v", err)
	}
	return start(t, &Gateway{t: t, URL: "sqlite:" + path, dir: dir, sqlite: path, next: 1})
}

func start(t testing.TB, g *Gateway) *Gateway {
	t.Helper()
	if _, err := exec.LookPath("gammu-smsd"); err != nil {
		t.Fatalf("gammu-smsd not found: %s", install)
	}
	if err := os.MkdirAll(filepath.Join(g.dir, "phone"), 0o700); err != nil {
		t.Fatal(err)
	}
	g.writeConfig()
	g.StartDaemon()
	t.Cleanup(func() {
		g.StopDaemon()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(g.dir, "smsd.log"))
			t.Logf("gammu-smsd's log (last 3,000 bytes):\n%s", tail(b, 3000))
		}
	})
	return g
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// writeConfig writes the smsdrc: the dummy phone, Gammu's SQL service on the
// database, and the shortest rounds Gammu allows (whole seconds), so tests wait about a
// second for each SMS each way.
func (g *Gateway) writeConfig() {
	var database string
	if g.sqlite != "" {
		database = fmt.Sprintf("driver = sqlite3\ndatabase = %s\ndbdir = %s/\n", filepath.Base(g.sqlite), filepath.Dir(g.sqlite))
	} else {
		u, err := url.Parse(g.URL)
		if err != nil {
			g.t.Fatal(err)
		}
		pass, _ := u.User.Password()
		host := u.Hostname()
		if port := u.Port(); port != "" && port != "5432" {
			host += ":" + port // native_pgsql takes the port after the host
		}
		database = fmt.Sprintf("driver = native_pgsql\nhost = %s\nuser = %s\npassword = %s\ndatabase = %s\n",
			host, u.User.Username(), pass, strings.TrimPrefix(u.Path, "/"))
	}
	cfg := fmt.Sprintf(`[gammu]
model = dummy
connection = none
device = %s

[smsd]
service = sql
%slogfile = %s
debuglevel = 1
phoneid = %s
commtimeout = 1
sendtimeout = 5
receivefrequency = 1
statusfrequency = 1
loopsleep = 1
checksecurity = 0
checkbattery = 1
checksignal = 1
hangupcalls = 0
multiparttimeout = 5
`, filepath.Join(g.dir, "phone"), database, filepath.Join(g.dir, "smsd.log"), PhoneID)
	if err := os.WriteFile(filepath.Join(g.dir, "smsdrc"), []byte(cfg), 0o600); err != nil {
		g.t.Fatal(err)
	}
}

// Config is the smsdrc's path.
func (g *Gateway) Config() string { return filepath.Join(g.dir, "smsdrc") }

// StartDaemon starts gammu-smsd and waits until it has written its phones row.
func (g *Gateway) StartDaemon() {
	g.t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cmd != nil {
		return
	}
	// -X: gammu-smsd ends itself after an hour, should a test binary die without
	// stopping it.
	cmd := exec.Command("gammu-smsd", "-c", g.Config(), "-X", "3600")
	if err := cmd.Start(); err != nil {
		g.t.Fatalf("start gammu-smsd: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	g.cmd, g.done = cmd, done
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := g.query(`SELECT count(*) FROM phones WHERE "ID" = $1 AND "UpdatedInDB" >= LOCALTIMESTAMP(0) - interval '5 seconds'`, PhoneID).Scan(&n); err == nil && n > 0 {
			return
		}
		select {
		case <-done:
			b, _ := os.ReadFile(filepath.Join(g.dir, "smsd.log"))
			g.t.Fatalf("gammu-smsd exited at start:\n%s", tail(b, 3000))
		case <-time.After(100 * time.Millisecond):
		}
	}
	g.t.Fatal("gammu-smsd did not write its phones row within 15 s")
}

// StopDaemon stops gammu-smsd (SIGTERM), as an operator or a crash of the modem's
// service would; what SILAKSO queued stays in the outbox until it runs again.
func (g *Gateway) StopDaemon() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cmd == nil {
		return
	}
	g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.done:
	case <-time.After(10 * time.Second):
		g.cmd.Process.Kill()
		<-g.done
	}
	g.cmd = nil
}

// open connects to the gateway's database.
func (g *Gateway) open() (*sql.DB, error) {
	if g.sqlite != "" {
		return sql.Open("sqlite", "file:"+g.sqlite+"?_pragma=busy_timeout(5000)")
	}
	return sql.Open("pgx", g.URL)
}

// Exec runs a statement on the gateway's database (placeholders in the engine's own
// form), as gammu-smsd would change its tables.
func (g *Gateway) Exec(query string, args ...any) error {
	db, err := g.open()
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = db.ExecContext(ctx, query, args...)
	return err
}

func (g *Gateway) query(query string, args ...any) rowScanner {
	db, err := g.open()
	if err != nil {
		return errRow{err}
	}
	if g.sqlite != "" {
		query = strings.NewReplacer("$1", "?1", "LOCALTIMESTAMP(0) - interval '5 seconds'", "datetime('now', '-5 seconds')").Replace(query)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	return &closingRow{row: db.QueryRowContext(ctx, query, args...), db: db, cancel: cancel}
}

type rowScanner interface{ Scan(...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type closingRow struct {
	row    *sql.Row
	db     *sql.DB
	cancel context.CancelFunc
}

func (r *closingRow) Scan(dest ...any) error {
	defer r.cancel()
	defer r.db.Close()
	return r.row.Scan(dest...)
}

// SMS is one message for the dummy phone to receive.
type SMS struct {
	From string
	Text string
	// Coding is Gammu's: Default (GSM-7, the default), Unicode_No_Compression or 8bit.
	Coding string
	// UDH is the user data header in hex, for a part of a concatenated SMS.
	UDH string
}

// Receive makes the dummy phone receive messages, in this order; gammu-smsd stores
// them in its inbox within a second or two.
func (g *Gateway) Receive(msgs ...SMS) {
	g.t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range msgs {
		coding := m.Coding
		if coding == "" {
			coding = "Default"
		}
		var b strings.Builder
		fmt.Fprintf(&b, "[SMSBackup000]\nSMSC = \"+6281100000\"\nState = UnRead\nNumber = \"%s\"\nCoding = %s\nFolder = 1\nPDU = Deliver\n", m.From, coding)
		if m.UDH != "" {
			fmt.Fprintf(&b, "UDH = %s\n", m.UDH)
		}
		var raw []byte
		if coding == "8bit" {
			raw = []byte(m.Text)
		} else {
			for _, u := range utf16.Encode([]rune(m.Text)) {
				raw = append(raw, byte(u>>8), byte(u))
			}
		}
		h := strings.ToUpper(hex.EncodeToString(raw))
		for i := 0; len(h) > 0; i++ {
			n := min(len(h), 200)
			fmt.Fprintf(&b, "Text%02d = %s\n", i, h[:n])
			h = h[n:]
		}
		g.drop(b.String())
	}
}

// drop puts one SMS backup file into the dummy phone's inbox folder, under the next
// free number. It is written under a name the driver ignores, then renamed: gammu-smsd
// never reads half a file. g.mu is held.
func (g *Gateway) drop(body string) {
	g.t.Helper()
	folder := filepath.Join(g.dir, "phone", "sms", "1")
	if err := os.MkdirAll(folder, 0o700); err != nil {
		g.t.Fatal(err)
	}
	tmp := filepath.Join(folder, fmt.Sprintf(".new%d", g.next))
	if err := os.WriteFile(tmp, []byte(body), 0o600); err != nil {
		g.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(folder, fmt.Sprint(g.next))); err != nil {
		g.t.Fatal(err)
	}
	g.next++
}

// Sent is a message gammu-smsd sent through the dummy phone: its parts joined.
type Sent struct {
	ID     int64
	To     string
	Text   string
	Parts  int
	Status string // of the last part
	UDH    []string
}

// SentMessages reads sentitems, a message per outbox ID, in ID order.
func (g *Gateway) SentMessages() ([]Sent, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	db, err := g.open()
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT "ID", "DestinationNumber", "TextDecoded", "Status", "UDH" FROM sentitems ORDER BY "ID", "SequencePosition"`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Sent
	for rows.Next() {
		var id int64
		var to, text, status, udh string
		if err := rows.Scan(&id, &to, &text, &status, &udh); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != id {
			out = append(out, Sent{ID: id, To: to})
		}
		s := &out[len(out)-1]
		s.Text += text
		s.Parts++
		s.Status = status
		s.UDH = append(s.UDH, udh)
	}
	return out, rows.Err()
}

// WaitSent waits until at least n messages were sent, and returns them all.
func (g *Gateway) WaitSent(n int, within time.Duration) []Sent {
	g.t.Helper()
	deadline := time.Now().Add(within)
	for {
		sent, err := g.SentMessages()
		if err == nil && len(sent) >= n {
			return sent
		}
		if time.Now().After(deadline) {
			g.t.Fatalf("%d messages sent through gammu-smsd within %v, want %d (err %v)", len(sent), within, n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Unprocessed counts inbox rows not yet marked processed ('false' is a boolean literal
// in PostgreSQL and Gammu's text in SQLite).
func (g *Gateway) Unprocessed() (int, error) {
	var n int
	err := g.query(`SELECT count(*) FROM inbox WHERE "Processed" = 'false'`).Scan(&n)
	return n, err
}

// Backends starts a gateway on each database gammu-smsd can keep its tables in.
var Backends = map[string]func(testing.TB) *Gateway{"postgres": Start, "sqlite": StartSQLite}

// Report makes the network report on a message sent to number with a delivery report
// asked for: state is "Delivered", "Failed" or "Pending". gammu-smsd matches it to the
// message in sentitems (the dummy phone gives every message reference 255).
func (g *Gateway) Report(number, state string) {
	g.t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	var raw []byte
	for _, u := range utf16.Encode([]rune(state)) {
		raw = append(raw, byte(u>>8), byte(u))
	}
	body := fmt.Sprintf("[SMSBackup000]\nSMSC = \"123456\"\nState = UnRead\nNumber = \"%s\"\nCoding = Default\nFolder = 1\nPDU = Status_Report\nMessageReference = 255\nText00 = %s\n",
		number, strings.ToUpper(hex.EncodeToString(raw)))
	g.drop(body)
}
