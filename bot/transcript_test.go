package bot_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dinsospmd-bateng/silakso/bot"
	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/delivery"
	"github.com/dinsospmd-bateng/silakso/channels/gsm7"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/memory"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

var unrendered = regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)+$`)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/transcripts")

// A transcript file is a script and its expected output in one. Lines starting with
// "> " are messages sent by the current sender; lines starting with "/" are directives:
//
//	/from <phone>   switch the sender
//	/channel <name> send on that channel from now on (console unless told)
//	/wait <dur>     advance the clock (time.ParseDuration, or "<n>d" for days)
//	/media          the next message carries one attachment
//	/raw <quoted>   send a Go-quoted string (control characters, emoji)
//	/repeat <n> <s> send s repeated n times
//	/dup            send the previous message again with the same provider id
//	/cases down|up  make the case store fail or work
//	/parking down|up  make keeping filings for later fail or work
//	/officer <phone> <role> <kecamatan,...|-> <name...>   register an officer on
//	                the console channel, with the PIN 2468
//	/pin <phone> <pin>   an operator sets an officer's PIN (silakso officer pin)
//	/intake <kec#> <desa#>   file a complete intake silently, printing the ticket
//	/escalate       run the escalation of untaken cases
//	/remind         remind residents of unanswered surveys
//	/retry          file the intakes whose filing failed
//	# ...           a comment
//
// Every other line is output and is regenerated: replies to the sender start with "< ",
// notes from directives with "= ",
// messages the outbox delivered after the turn to anyone else with "<+62...> "
// (the sender's own, such as the ticket, read as replies); continuation lines are
// indented.
// transcriptPIN is the hash of 2468, every transcript officer's PIN (bcrypt's lowest
// cost: the tests check the login, not the hash's strength).
var transcriptPIN = func() string {
	h, err := bcrypt.GenerateFromPassword([]byte("2468"), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
}()

// fullNIK is a NIK in full: sixteen digits, in a row or grouped with spaces, dots or
// dashes as people copy it from a KTP.
var fullNIK = regexp.MustCompile(`\d(?:[ .-]?\d){15}`)

func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/transcripts/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := runTranscript(t, string(want))
			// No reply, to a resident or an officer, carries a full NIK.
			for i, line := range strings.Split(got, "\n") {
				if !strings.HasPrefix(line, ">") && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "/") && fullNIK.MatchString(line) {
					t.Errorf("line %d of the replies carries a full NIK: %q", i+1, line)
				}
			}
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != string(want) {
				t.Errorf("transcript differs (go test ./bot -run TestTranscripts -update to accept):\n%s", diff(string(want), got))
			}
		})
	}
}

// harness is an engine on the embedded stores with a clock the script drives, and an
// courier that delivers what the outbox holds into the transcript.
type harness struct {
	engine  *bot.Engine
	cases   *faultyCases
	parking *faultyParking
	db      *sqlite.DB
	worker  *delivery.Courier
	pushed  []channels.Outbound
	mu      sync.Mutex
	clock   time.Time
}

// deliver runs the courier over the outbox and returns the pushes it sent.
func (h *harness) deliver(t *testing.T) []channels.Outbound {
	t.Helper()
	h.pushed = nil
	if _, err := h.worker.Flush(context.Background()); err != nil {
		t.Fatalf("outbox: %v", err)
	}
	return h.pushed
}

// writeMessage prints a message the way transcripts show it.
func writeMessage(out *strings.Builder, prefix, text string) {
	out.WriteString(prefix + strings.ReplaceAll(text, "\n", "\n  ") + "\n")
}

// Send implements channels.Sender for every channel: pushes go into the transcript.
func (h *harness) Send(_ context.Context, out channels.Outbound) (channels.Receipt, error) {
	h.pushed = append(h.pushed, out)
	return channels.Receipt{ProviderID: fmt.Sprint("push-", len(h.pushed))}, nil
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	regions, err := dialogs.LoadRegions()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "cases.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h := &harness{cases: &faultyCases{Cases: db}, db: db, clock: time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sessions := memory.NewSessions(store.SessionOptions{}, h.now)
	h.parking = &faultyParking{Parking: sessions}
	h.engine = bot.New(bot.Deps{
		Sessions: sessions,
		Parking:  h.parking,
		Cases:    h.cases,
		Catalog:  cat,
		Regions:  regions,
		Now:      h.now,
		Log:      quiet,
		Officers: db,
		OptOuts:  db,
		Outbox:   db,
		Auditor:  db,
		Keys:     storetest.Keyring(t),
		Reports:  db,
	}, bot.Config{})
	h.worker = delivery.New(delivery.Config{}, delivery.Deps{Outbox: db, Fallback: h, Owner: "transcript", Now: h.now, Log: quiet})
	return h
}

func (h *harness) now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.clock
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clock = h.clock.Add(d)
}

// faultyCases makes the real case store fail on demand, to show what a resident sees
// when the database is down.
type faultyCases struct {
	store.Cases
	down bool
}

var errDown = errors.New("case store down (test)")

func (f *faultyCases) NextCaseID(ctx context.Context) (int64, error) {
	if f.down {
		return 0, errDown
	}
	return f.Cases.NextCaseID(ctx)
}

func (f *faultyCases) FileCase(ctx context.Context, c domain.Case, msgs []domain.OutboxMessage) (domain.Case, bool, error) {
	if f.down {
		return domain.Case{}, false, errDown
	}
	return f.Cases.FileCase(ctx, c, msgs)
}

func (f *faultyCases) UpdateCase(ctx context.Context, c domain.Case, u domain.CaseUpdate, at time.Time) (domain.Case, error) {
	if f.down {
		return domain.Case{}, errDown
	}
	return f.Cases.UpdateCase(ctx, c, u, at)
}

func (f *faultyCases) OpenCases(ctx context.Context, kecamatan []string, before int64, limit int) ([]domain.Case, error) {
	if f.down {
		return nil, errDown
	}
	return f.Cases.OpenCases(ctx, kecamatan, before, limit)
}

func (f *faultyCases) CaseByTicket(ctx context.Context, ticket string) (domain.Case, error) {
	if f.down {
		return domain.Case{}, errDown
	}
	return f.Cases.CaseByTicket(ctx, ticket)
}

// faultyParking makes keeping filings for later fail on demand.
type faultyParking struct {
	store.Parking
	down bool
}

func (f *faultyParking) Park(ctx context.Context, fl domain.Filing) error {
	if f.down {
		return errDown
	}
	return f.Parking.Park(ctx, fl)
}

// newHarnessForScript runs a transcript script and returns the harness, to look at the
// database afterwards.
func newHarnessForScript(t *testing.T, script string) *harness {
	h := newHarness(t)
	runTranscriptOn(t, h, script)
	return h
}

func runTranscript(t *testing.T, script string) string {
	return runTranscriptOn(t, newHarness(t), script)
}

func runTranscriptOn(t *testing.T, h *harness, script string) string {
	var out strings.Builder
	from := "+6281234567890"
	channel := "console"
	media := 0
	seq := 0
	var last channels.Inbound
	quietly := false
	send := func(in channels.Inbound) {
		replies, err := h.engine.Handle(context.Background(), in)
		if err != nil && !errors.Is(err, channels.ErrDuplicate) {
			fmt.Fprintf(&out, "! error: %v\n", err)
		}
		pushed := h.deliver(t)
		for _, r := range append(replies, pushed...) {
			if unrendered.MatchString(r.Text) || strings.Contains(r.Text, "<no value>") {
				t.Errorf("reply %q is not rendered", r.Text)
			}
			// The sender's own messages read the same whether the turn answered them
			// or the outbox (a ticket, a message passed on); others' show their address.
			prefix := "< "
			if r.To != in.From {
				prefix = "<" + r.To + "> "
			}
			if quietly {
				continue
			}
			writeMessage(&out, prefix, r.Text)
		}
		h.advance(time.Minute)
	}
	message := func(text string) channels.Inbound {
		seq++
		in := channels.Inbound{Channel: channel, ID: fmt.Sprint("m", seq), From: from, Text: text, Media: media, Time: h.now()}
		media = 0
		last = in
		return in
	}
	for _, line := range strings.Split(strings.TrimRight(script, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "> ") || line == ">":
			out.WriteString(line + "\n")
			send(message(strings.TrimPrefix(strings.TrimPrefix(line, ">"), " ")))
		case strings.HasPrefix(line, "#"), line == "":
			out.WriteString(line + "\n")
		case strings.HasPrefix(line, "/"):
			out.WriteString(line + "\n")
			cmd, arg, _ := strings.Cut(line, " ")
			switch cmd {
			case "/from":
				from = arg
			case "/channel":
				channel = arg
			case "/wait":
				h.advance(parseWait(t, arg))
			case "/media":
				media = 1
			case "/raw":
				s, err := strconv.Unquote(arg)
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				send(message(s))
			case "/repeat":
				n, s, _ := strings.Cut(arg, " ")
				count, err := strconv.Atoi(n)
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				send(message(strings.Repeat(s, count)))
			case "/dup":
				send(last)
			case "/cases":
				h.cases.down = arg == "down"
			case "/parking":
				h.parking.down = arg == "down"
			case "/officer":
				f := strings.Fields(arg)
				if len(f) < 4 {
					t.Fatalf("%s: want /officer <phone> <role> <kecamatan,...|-> <name>", line)
				}
				var kec []string
				if f[2] != "-" {
					kec = strings.Split(strings.ReplaceAll(f[2], "_", " "), ",")
				}
				if err := h.db.AddOfficer(context.Background(), domain.Officer{Phone: f[0], Role: domain.Role(f[1]), Kecamatan: kec,
					Name: strings.Join(f[3:], " "), Channel: "console", Active: true, CreatedAt: h.now(), PINHash: transcriptPIN}); err != nil {
					t.Fatal(err)
				}
			case "/pin":
				f := strings.Fields(arg)
				hash, err := bcrypt.GenerateFromPassword([]byte(f[1]), bcrypt.MinCost)
				if err != nil {
					t.Fatal(err)
				}
				if err := h.db.SetOfficerPIN(context.Background(), f[0], string(hash), h.now()); err != nil {
					t.Fatal(err)
				}
			case "/intake":
				var kec, desa int
				fmt.Sscan(arg, &kec, &desa)
				quietly = true
				for _, text := range []string{"MENU", "1", "1", "Siti Aminah", "1904014507850001", fmt.Sprint(kec), fmt.Sprint(desa),
					"Dusun 2 RT 03", "1", "Suami sakit, tidak bisa bekerja dan beras habis.", "YA"} {
					send(message(text))
				}
				quietly = false
				cases, _ := h.db.CasesByFiler(context.Background(), from, 1)
				if len(cases) == 0 {
					t.Fatalf("%s filed nothing", line)
				}
				fmt.Fprintf(&out, "= filed %s (Kec. %s, %s)\n", cases[0].Ticket, cases[0].Kecamatan, cases[0].Desa)
				// The new-case notices went out with the last turn; show them (the
				// resident's ticket is the line above).
				for _, p := range h.pushed {
					if p.To != from {
						writeMessage(&out, "<"+p.To+"> ", p.Text)
					}
				}
			case "/retry":
				n := h.engine.RetryPendingFilings(context.Background())
				fmt.Fprintf(&out, "= filed %d on retry\n", n)
				for _, p := range h.deliver(t) {
					writeMessage(&out, "<"+p.To+"> ", p.Text)
				}
			case "/escalate":
				n, err := h.engine.Escalate(context.Background(), 24*time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&out, "= escalated %d\n", n)
				for _, p := range h.deliver(t) {
					writeMessage(&out, "<"+p.To+"> ", p.Text)
				}
			case "/remind":
				n, err := h.engine.RemindSurveys(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&out, "= reminded %d\n", n)
				for _, p := range h.deliver(t) {
					writeMessage(&out, "<"+p.To+"> ", p.Text)
				}
			default:
				t.Fatalf("unknown directive %q", line)
			}
		}
		// Output lines of the old transcript are dropped; they are regenerated.
	}
	return out.String()
}

func parseWait(t *testing.T, s string) time.Duration {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			t.Fatalf("/wait %s: %v", s, err)
		}
		return time.Duration(n) * 24 * time.Hour
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("/wait %s: %v", s, err)
	}
	return d
}

// diff shows the first differing lines with some context.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\nwant: %s\ngot:  %s", i+1, wl, gl)
		}
	}
	return "(equal)"
}

// happyPathSegments is what the office pays for one resident's whole intake, from the
// welcome to the ticket (happy_self.txt): 16 segments once, now 12 (every prompt one
// SMS, the desa list paged where it would not fit, the contact number not asked but
// shown in the summary); the summary is the one prompt allowed two.
const happyPathSegments = 12

func TestHappyPathCost(t *testing.T) {
	script, err := os.ReadFile("testdata/transcripts/happy_self.txt")
	if err != nil {
		t.Fatal(err)
	}
	got := runTranscript(t, string(script))
	var msgs []string
	for _, line := range strings.Split(got, "\n") {
		switch {
		case strings.HasPrefix(line, "< "):
			msgs = append(msgs, line[2:])
		case strings.HasPrefix(line, "  ") && len(msgs) > 0:
			msgs[len(msgs)-1] += "\n" + line[2:]
		}
	}
	total, upTo := 0, -1
	for i, m := range msgs {
		if strings.Contains(m, "CEK 2600017") {
			upTo = i
			break
		}
	}
	if upTo < 0 {
		t.Fatalf("no ticket in the happy path:\n%s", got)
	}
	for _, m := range msgs[:upTo+1] {
		n, unicode := gsm7.Segments(m)
		if unicode {
			t.Errorf("not GSM-7: %q", m)
		}
		if n > 1 && !strings.HasPrefix(m, "Periksa:") {
			t.Errorf("a prompt of %d segments: %q", n, m)
		}
		total += n
	}
	if total > happyPathSegments {
		t.Errorf("the happy path costs %d SMS segments, budget %d", total, happyPathSegments)
	}
	t.Logf("happy path: %d messages, %d segments", upTo+1, total)
}
