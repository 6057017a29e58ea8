package gammu_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	neturl "net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/gammu"
	"github.com/dinsospmd-bateng/silakso/channels/gammu/gammutest"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// echo stands in for the bot: it answers every message, and recognises a message it
// has processed before by its channel and id, as the bot does.
type echo struct {
	mu    sync.Mutex
	seen  map[string]bool
	turns []channels.Inbound
	dups  int
	reply func(in channels.Inbound) string
	// hold, if set, is called in the turn after it is committed (as the bot commits),
	// before the adapter hears back.
	hold func(in channels.Inbound)
}

func newEcho() *echo { return &echo{seen: map[string]bool{}} }

func (e *echo) Handle(ctx context.Context, in channels.Inbound) ([]channels.Outbound, error) {
	e.mu.Lock()
	if e.seen[in.Channel+in.ID] {
		e.dups++
		e.mu.Unlock()
		return nil, channels.ErrDuplicate
	}
	e.seen[in.Channel+in.ID] = true
	e.turns = append(e.turns, in)
	reply, hold := e.reply, e.hold
	e.mu.Unlock()
	if hold != nil {
		hold(in)
	}
	text := "Diterima: " + in.Text
	if reply != nil {
		text = reply(in)
	}
	return []channels.Outbound{{Channel: in.Channel, To: in.From, Text: text}}, nil
}

func (e *echo) Turns() []channels.Inbound {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]channels.Inbound(nil), e.turns...)
}

// direct sends replies at once, trying a failed send again a few times as the courier
// does in serve (a connection the test cut may fail the first try).
type direct struct{ s channels.Sender }

func (d direct) Enqueue(ctx context.Context, out channels.Outbound) error {
	var err error
	for try := range 3 {
		if _, err = d.s.Send(ctx, out); err == nil || channels.IsPermanent(err) {
			return err
		}
		time.Sleep(time.Duration(try+1) * 200 * time.Millisecond)
	}
	return err
}

// records collects message records.
type records struct {
	mu   sync.Mutex
	recs []domain.MessageRecord
}

func (r *records) Add(_ context.Context, rec domain.MessageRecord) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
	return nil
}

func (r *records) statuses(dir string) map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]string{}
	for _, m := range domain.MergeRecords(r.recs) {
		if m.Direction == dir {
			out[m.ProviderID] = m.Status
		}
	}
	return out
}

// fast polls often; PartsWait leaves room for gammu-smsd, which stores the parts of a
// long SMS one statement at a time and, on SQLite, tries again a second later when the
// file was locked.
var fast = gammu.Config{Poll: 100 * time.Millisecond, PartsWait: 3 * time.Second, StatusPoll: 200 * time.Millisecond, StaleAfter: 3 * time.Second}

// channel is SILAKSO's side of one gateway: the adapter, the sender, the tracker.
type channel struct {
	db      *gammu.DB
	sender  *gammu.Sender
	adapter *gammu.Adapter
	tracker *gammu.Tracker
	records *records
	stop    context.CancelFunc
	done    sync.WaitGroup
}

func open(t *testing.T, url string, bot channels.Handler) *channel {
	t.Helper()
	return openWith(t, url, bot, fast)
}

func openWith(t *testing.T, url string, bot channels.Handler, cfg gammu.Config) *channel {
	t.Helper()
	db, err := gammu.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	c := &channel{db: db, records: &records{}}
	c.sender = gammu.NewSender(db, cfg, nil)
	c.adapter = gammu.NewAdapter(db, cfg, bot, direct{c.sender}, c.records, nil, quiet)
	c.tracker = gammu.NewTracker(db, cfg, c.records, nil, quiet)
	ctx, cancel := context.WithCancel(context.Background())
	c.stop = cancel
	c.done.Add(2)
	go func() { defer c.done.Done(); c.adapter.Run(ctx) }()
	go func() { defer c.done.Done(); c.tracker.Run(ctx) }()
	t.Cleanup(c.close)
	return c
}

func (c *channel) close() {
	c.stop()
	c.done.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c.adapter.Close(ctx)
	c.db.Close()
}

// unprocessed counts inbox rows not yet marked processed.
func unprocessed(t *testing.T, g *gammutest.Gateway) int {
	t.Helper()
	n, err := g.Unprocessed()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// onEach runs test against a gateway on each of Gammu's databases.
func onEach(t *testing.T, test func(t *testing.T, g *gammutest.Gateway)) {
	for name, start := range gammutest.Backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, start(t))
		})
	}
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const resident = "+6281234567890"

// A resident's SMS reaches the bot through the modem, and the reply leaves through it:
// in through gammu-smsd's inbox, out through its outbox to sentitems, each recorded.
func TestSMSInAndReplyOut(t *testing.T) {
	t.Parallel()
	onEach(t, func(t *testing.T, g *gammutest.Gateway) {
		bot := newEcho()
		c := open(t, g.URL, bot)
		g.Receive(gammutest.SMS{From: "081234567890", Text: "halo pak"})
		sent := g.WaitSent(1, 20*time.Second)
		turns := bot.Turns()
		if len(turns) != 1 || turns[0].From != resident || turns[0].Text != "halo pak" || turns[0].Channel != gammu.Channel {
			t.Fatalf("turns %+v; want one from %s with the text", turns, resident)
		}
		if sent[0].To != resident || sent[0].Text != "Diterima: halo pak" || sent[0].Parts != 1 || sent[0].Status != "SendingOKNoReport" {
			t.Errorf("sent %+v", sent[0])
		}
		waitFor(t, 5*time.Second, "inbox row processed", func() bool { return unprocessed(t, g) == 0 })
		want := fmt.Sprintf("gammu:%d", sent[0].ID)
		waitFor(t, 5*time.Second, "records of both messages", func() bool {
			return c.records.statuses(domain.Outbound)[want] == "sent" && len(c.records.statuses(domain.Inbound)) == 1
		})
	})
}

// A 3-part SMS is one message to the bot, with its parts in order.
func TestConcatenatedSMSIsOneTurn(t *testing.T) {
	t.Parallel()
	onEach(t, func(t *testing.T, g *gammutest.Gateway) {
		bot := newEcho()
		open(t, g.URL, bot)
		parts := []string{strings.Repeat("a", 153), strings.Repeat("b", 153), "suami sakit, beras habis"}
		// Delivered out of order, as the network may.
		g.Receive(
			gammutest.SMS{From: resident, Text: parts[2], UDH: "050003420303"},
			gammutest.SMS{From: resident, Text: parts[0], UDH: "050003420301"},
			gammutest.SMS{From: resident, Text: parts[1], UDH: "050003420302"},
		)
		g.WaitSent(1, 20*time.Second)
		turns := bot.Turns()
		if len(turns) != 1 || turns[0].Text != strings.Join(parts, "") {
			t.Fatalf("turns %d, first %q; want one with the whole text", len(turns), turns[0].Text)
		}
		waitFor(t, 5*time.Second, "all parts processed", func() bool { return unprocessed(t, g) == 0 })
	})
}

// A part that never comes: after the wait, the message is processed with what arrived.
// gammu-smsd stores the parts it has of an incomplete message one by one, each after
// its multiparttimeout (5 s here), so the adapter waits longer than that for the others
// (15 s: on a loaded machine gammu-smsd's own SQLite is sometimes locked and it stores a
// part seconds late), and the resident's words make one message.
func TestMissingPartIsNotWaitedForEver(t *testing.T) {
	t.Parallel()
	onEach(t, func(t *testing.T, g *gammutest.Gateway) {
		bot := newEcho()
		cfg := fast
		cfg.PartsWait = 15 * time.Second
		openWith(t, g.URL, bot, cfg)
		g.Receive(
			gammutest.SMS{From: resident, Text: strings.Repeat("a", 153), UDH: "050003770301"},
			gammutest.SMS{From: resident, Text: "akhir", UDH: "050003770303"},
		)
		g.WaitSent(1, 60*time.Second)
		turns := bot.Turns()
		if len(turns) != 1 || turns[0].Text != strings.Repeat("a", 153)+" akhir" {
			t.Fatalf("turns %+v", turns)
		}
	})
}

// A reply longer than one SMS goes as one concatenated SMS: parts with one reference,
// numbered, that join back to the text.
func TestLongReplyIsOneConcatenatedSMS(t *testing.T) {
	t.Parallel()
	onEach(t, func(t *testing.T, g *gammutest.Gateway) {
		bot := newEcho()
		long := strings.Repeat("Data Bapak/Ibu sudah kami terima. ", 12)
		bot.reply = func(channels.Inbound) string { return long }
		open(t, g.URL, bot)
		g.Receive(gammutest.SMS{From: resident, Text: "1"})
		var sent gammutest.Sent
		// gammu-smsd moves the parts to sentitems one by one.
		waitFor(t, 20*time.Second, "all three parts sent", func() bool {
			sent = g.WaitSent(1, 20*time.Second)[0]
			return sent.Parts >= 3
		})
		if sent.Text != long || sent.Parts != 3 {
			t.Fatalf("sent %d parts %q; want 3 joining to the reply", sent.Parts, sent.Text)
		}
		ref := sent.UDH[0][:8]
		for i, udh := range sent.UDH {
			if want := fmt.Sprintf("%s03%02X", ref, i+1); udh != want {
				t.Errorf("part %d UDH %s, want %s", i+1, udh, want)
			}
		}
	})
}

// Rows nobody can answer, or that carry no text, each get a clear outcome and never
// block the next: an operator's notice is not answered; an empty SMS and 8-bit data
// reach the bot (which answers them); the resident's next message is processed.
func TestBadRows(t *testing.T) {
	t.Parallel()
	onEach(t, func(t *testing.T, g *gammutest.Gateway) {
		bot := newEcho()
		open(t, g.URL, bot)
		g.Receive(
			gammutest.SMS{From: "TELKOMSEL", Text: "Paket internet murah! Ketik UL ON"},
			gammutest.SMS{From: "3636", Text: "Sisa pulsa Anda Rp 500"},
			gammutest.SMS{From: resident, Text: ""},
			gammutest.SMS{From: "+6281299990001", Text: "\x00\x01\x02binary", Coding: "8bit"},
			gammutest.SMS{From: resident, Text: "MENU"},
		)
		waitFor(t, 20*time.Second, "every row processed", func() bool { return unprocessed(t, g) == 0 && len(bot.Turns()) >= 3 })
		turns := bot.Turns()
		if len(turns) != 3 {
			t.Fatalf("turns %+v; want 3 (empty, binary, MENU), none for the operator and the short code", turns)
		}
		byText := map[string]channels.Inbound{}
		for _, in := range turns {
			if in.Media == 0 {
				byText[in.Text] = in
			}
		}
		if in, ok := byText[""]; !ok || in.From != resident || in.Media != 0 {
			t.Errorf("empty SMS: %+v", in)
		}
		if _, ok := byText["MENU"]; !ok {
			t.Error("the resident's next message was not processed")
		}
		var binary *channels.Inbound
		for i := range turns {
			if turns[i].Media == 1 {
				binary = &turns[i]
			}
		}
		if binary == nil || binary.Text != "" {
			t.Errorf("8-bit SMS: %+v; want a message with media and no text", binary)
		}
		for _, s := range g.WaitSent(3, 20*time.Second) {
			if s.To == "TELKOMSEL" || s.To == "3636" {
				t.Errorf("answered %s", s.To)
			}
		}
	})
}

// The adapter dies between its turn and marking the row processed (its connection to
// Gammu's PostgreSQL is cut; on SQLite the same claim, without the lock, is taken again
// the same way): the row is taken again, recognised, and nothing is lost or
// done twice.
func TestCrashBetweenTurnAndProcessed(t *testing.T) {
	t.Parallel()
	g := gammutest.Start(t)
	url, proxy := storetest.BehindProxy(t, g.URL)
	bot := newEcho()
	var once sync.Once
	bot.hold = func(channels.Inbound) { once.Do(proxy.Reset) }
	first := open(t, url, bot)
	g.Receive(gammutest.SMS{From: resident, Text: "halo"})
	waitFor(t, 20*time.Second, "the turn", func() bool { return len(bot.Turns()) == 1 })
	first.close()
	proxy.Refuse()
	// The next process.
	open(t, g.URL, bot)
	waitFor(t, 20*time.Second, "the row processed by the next process", func() bool { return unprocessed(t, g) == 0 })
	bot.mu.Lock()
	turns, dups := len(bot.turns), bot.dups
	bot.mu.Unlock()
	if turns != 1 || dups != 1 {
		t.Errorf("turns %d, recognised again %d; want 1 and 1", turns, dups)
	}
	if sent := g.WaitSent(1, 20*time.Second); len(sent) != 1 {
		t.Errorf("%d replies sent, want 1", len(sent))
	}
}

// Two instances drain one inbox (PostgreSQL: with SQLite, Gammu's file is on one
// machine and SILAKSO runs one instance): every SMS is processed once, and each resident's
// messages in the order they were sent.
func TestTwoInstancesOneInbox(t *testing.T) {
	t.Parallel()
	g := gammutest.Start(t)
	// One view of what was processed, as the shared session store gives the bot.
	shared := &sharedEcho{}
	open(t, g.URL, shared.bot(0))
	open(t, g.URL, shared.bot(1))
	// More residents than one instance has turns (8), and turns that take longer than
	// a poll: while one instance's turns are all busy, residents are left whose next
	// message is free, and the other instance, polling meanwhile, takes them. (With as
	// many residents as turns, an instance finishing a turn claims the resident's next
	// message at once, and the other instance may never find a free one.)
	var msgs []gammutest.SMS
	const residents, each = 16, 2
	for i := range each {
		for r := range residents {
			msgs = append(msgs, gammutest.SMS{From: fmt.Sprintf("+62812000000%02d", r), Text: fmt.Sprint(i)})
		}
	}
	g.Receive(msgs...)
	waitFor(t, 60*time.Second, "every SMS processed", func() bool { return unprocessed(t, g) == 0 && shared.count() == len(msgs) })
	time.Sleep(time.Second)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if len(shared.turns) != len(msgs) || shared.dups != 0 {
		t.Fatalf("%d turns, %d seen again; want %d and 0", len(shared.turns), shared.dups, len(msgs))
	}
	next := map[string]int{}
	for _, in := range shared.turns {
		if in.Text != fmt.Sprint(next[in.From]) {
			t.Errorf("%s: %q came when %d was due", in.From, in.Text, next[in.From])
		}
		next[in.From]++
	}
	if len(shared.by[0]) == 0 || len(shared.by[1]) == 0 {
		t.Errorf("instances took %d and %d messages; want both to work", len(shared.by[0]), len(shared.by[1]))
	}
}

// sharedEcho is two instances' handlers over one record of what was processed.
type sharedEcho struct {
	mu    sync.Mutex
	turns []channels.Inbound
	by    [2][]string
	dups  int
	seen  map[string]bool
}

func (s *sharedEcho) bot(i int) channels.Handler {
	return channels.HandlerFunc(func(ctx context.Context, in channels.Inbound) ([]channels.Outbound, error) {
		s.mu.Lock()
		if s.seen == nil {
			s.seen = map[string]bool{}
		}
		if s.seen[in.ID] {
			s.dups++
			s.mu.Unlock()
			return nil, channels.ErrDuplicate
		}
		s.seen[in.ID] = true
		s.turns = append(s.turns, in)
		s.by[i] = append(s.by[i], in.ID)
		s.mu.Unlock()
		// A turn takes longer than a poll (100 ms), so that both instances have work at
		// once.
		time.Sleep(150 * time.Millisecond)
		return []channels.Outbound{{Channel: in.Channel, To: in.From, Text: "ok " + in.Text}}, nil
	})
}

func (s *sharedEcho) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.turns)
}

// failed makes gammu-smsd's record of a message it could not send (SendingError after
// the modem's own tries), with an id from Gammu's own sequence: the message is queued
// while gammu-smsd is stopped, then moved to sentitems as gammu-smsd would.
func failed(t *testing.T, g *gammutest.Gateway, s *gammu.Sender, to, text string) {
	t.Helper()
	g.StopDaemon()
	defer g.StartDaemon()
	r, err := s.Send(context.Background(), channels.Outbound{Channel: gammu.Channel, To: to, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimPrefix(r.ProviderID, "gammu:")
	if err := g.Exec(`DELETE FROM outbox WHERE "ID" = ` + id); err != nil {
		t.Fatal(err)
	}
	if err := g.Exec(`INSERT INTO sentitems ("ID", "SequencePosition", "DestinationNumber", "TextDecoded", "Text", "UDH", "Coding", "SenderID", "CreatorID", "Status")
VALUES (` + id + `, 1, '` + to + `', '` + text + `', '', '', 'Default_No_Compression', 'dummy1', 'silakso:test', 'SendingError')`); err != nil {
		t.Fatal(err)
	}
}

// The modem fails a message for good (no credit, say): the failure is recorded, and
// the message is handed to gammu-smsd again after a while, once, and sent.
func TestFailedSMSIsSentAgain(t *testing.T) {
	t.Parallel()
	onEach(t, func(t *testing.T, g *gammutest.Gateway) {
		cfg := fast
		cfg.ResendAfter = time.Second
		c := openWith(t, g.URL, newEcho(), cfg)
		const text = "Tiket 2600017 selesai ditangani."
		failed(t, g, c.sender, resident, text)
		var sent []gammutest.Sent
		waitFor(t, 30*time.Second, "the message sent again", func() bool {
			sent = g.WaitSent(1, 5*time.Second)
			return len(sent) == 2 && sent[1].Status == "SendingOKNoReport"
		})
		if sent[1].Text != text || sent[1].To != resident {
			t.Errorf("sent again: %+v", sent[1])
		}
		want := fmt.Sprintf("gammu:%d", sent[0].ID)
		waitFor(t, 5*time.Second, "the failure recorded", func() bool { return c.records.statuses(domain.Outbound)[want] == "failed" })
		time.Sleep(2 * time.Second)
		if n := len(g.WaitSent(2, time.Second)); n != 2 {
			t.Errorf("%d messages in sentitems, want the failed one and its one resend", n)
		}
	})
}

// A message the modem failed three times is given up: not queued a fourth time.
func TestFailedSMSIsGivenUpAfterThreeSends(t *testing.T) {
	t.Parallel()
	onEach(t, func(t *testing.T, g *gammutest.Gateway) {
		cfg := fast
		cfg.ResendAfter = time.Second
		s := gammu.NewSender(mustOpen(t, g.URL), cfg, nil)
		const text = "Tiket 2600025 tidak dapat dibantu."
		for range 3 {
			failed(t, g, s, resident, text)
		}
		openWith(t, g.URL, newEcho(), cfg)
		time.Sleep(4 * time.Second)
		if sent := g.WaitSent(3, time.Second); len(sent) != 3 {
			t.Errorf("%d messages in sentitems, want the three failed sends and no fourth", len(sent))
		}
	})
}

func mustOpen(t *testing.T, url string) *gammu.DB {
	t.Helper()
	db, err := gammu.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// A message that makes the bot panic is a failed turn, tried again, not the end of the
// process: the other residents are answered meanwhile.
func TestPanickingTurnIsAFailedTurn(t *testing.T) {
	t.Parallel()
	g := gammutest.Start(t)
	var panicked sync.Once
	bot := newEcho()
	h := channels.HandlerFunc(func(ctx context.Context, in channels.Inbound) ([]channels.Outbound, error) {
		if in.Text == "BOOM" {
			boom := false
			panicked.Do(func() { boom = true })
			if boom {
				panic("bot bug")
			}
		}
		return bot.Handle(ctx, in)
	})
	open(t, g.URL, h)
	g.Receive(gammutest.SMS{From: resident, Text: "BOOM"}, gammutest.SMS{From: "+6281299990002", Text: "halo"})
	waitFor(t, 30*time.Second, "both processed", func() bool { return unprocessed(t, g) == 0 && len(bot.Turns()) == 2 })
	if sent := g.WaitSent(2, 20*time.Second); len(sent) != 2 {
		t.Errorf("%d replies, want one to each", len(sent))
	}
}

// commitMuter is a TCP proxy to PostgreSQL that, once armed, passes a client's COMMIT
// on but never its answer: the transaction is committed, and the client cannot know.
type commitMuter struct {
	addr  string
	armed atomic.Bool
}

func newCommitMuter(t *testing.T, target string) *commitMuter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &commitMuter{addr: ln.Addr().String()}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			t.Cleanup(func() { c.Close(); up.Close() })
			var muted atomic.Bool
			go func() {
				buf := make([]byte, 32<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						if m.armed.Load() && bytes.Contains(bytes.ToLower(buf[:n]), []byte("commit")) {
							muted.Store(true)
						}
						up.Write(buf[:n])
					}
					if err != nil {
						up.Close()
						return
					}
				}
			}()
			go func() {
				buf := make([]byte, 32<<10)
				for {
					n, err := up.Read(buf)
					if n > 0 && !muted.Load() {
						c.Write(buf[:n])
					}
					if err != nil {
						c.Close()
						return
					}
				}
			}()
		}
	}()
	return m
}

// The answer to the COMMIT of a send is lost: the send is found, not reported failed,
// so the courier does not hand the message to gammu-smsd a second time.
func TestSendWhoseCommitAnswerIsLost(t *testing.T) {
	t.Parallel()
	url := gammutest.NewDatabase(t)
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	m := newCommitMuter(t, u.Host)
	u.Host = m.addr
	db := mustOpen(t, u.String())
	s := gammu.NewSender(db, fast, nil)
	m.armed.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	r, err := s.Send(ctx, channels.Outbound{Channel: gammu.Channel, To: resident, Text: "Tiket 2600017 sudah diterima."})
	cancel()
	m.armed.Store(false)
	if err != nil || !strings.HasPrefix(r.ProviderID, "gammu:") {
		t.Fatalf("Send = %+v, %v; want the committed row found", r, err)
	}
	direct := mustOpen(t, url)
	if q, err := direct.Queued(context.Background()); err != nil || q.OurOutbox != 1 {
		t.Errorf("outbox holds %d of SILAKSO's messages (err %v), want 1", q.OurOutbox, err)
	}
}

// With delivery reports asked for, the network's report reaches the message's record.
func TestDeliveryReport(t *testing.T) {
	t.Parallel()
	onEach(t, func(t *testing.T, g *gammutest.Gateway) {
		cfg := fast
		cfg.DeliveryReports = true
		c := openWith(t, g.URL, newEcho(), cfg)
		g.Receive(gammutest.SMS{From: resident, Text: "halo"})
		sent := g.WaitSent(1, 20*time.Second)
		if sent[0].Status != "SendingOK" {
			t.Fatalf("sent with status %s, want SendingOK (a report asked for)", sent[0].Status)
		}
		g.Report(resident, "Delivered")
		want := fmt.Sprintf("gammu:%d", sent[0].ID)
		waitFor(t, 20*time.Second, "the delivery recorded", func() bool { return c.records.statuses(domain.Outbound)[want] == "delivered" })
	})
}

// A gammu-smsd that never wrote to its database (SILAKSO started first, at boot, or the
// modem was never set up) alarms nobody before AlertAfter, then supervisors once.
func TestNeverHeardModemAlertsOnceAfterAWhile(t *testing.T) {
	t.Parallel()
	db := mustOpen(t, gammutest.NewDatabase(t))
	cfg := fast
	cfg.AlertAfter = 1500 * time.Millisecond
	tr := gammu.NewTracker(db, cfg, nil, nil, quiet)
	var alerts atomic.Int32
	tr.OnSilent = func(context.Context, time.Duration) { alerts.Add(1) }
	tr.Once(context.Background())
	if n := alerts.Load(); n != 0 {
		t.Fatalf("%d alerts at start", n)
	}
	time.Sleep(2 * time.Second)
	tr.Once(context.Background())
	tr.Once(context.Background())
	if n := alerts.Load(); n != 1 {
		t.Errorf("%d alerts after the alert time, want 1", n)
	}
}
