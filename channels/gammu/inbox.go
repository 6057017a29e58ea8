package gammu

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/msisdn"
)

// Results of an inbox row beyond a turn's.
const resultRefused = "refused" // from a sender that cannot be answered (an operator's name, a short code)

// lastTry is the try of a message whose turn keeps failing (Redis away) after which
// the resident is told to write again, and the row is marked processed. The SMS is safe
// in Gammu's inbox meanwhile, so the tries are spread over about two minutes (retryWait,
// doubling up to a minute): a short outage costs the resident nothing.
const (
	lastTry   = 6
	retryWait = 4 * time.Second
)

// Adapter turns the rows gammu-smsd writes into its inbox into turns. On PostgreSQL
// several instances may run it on one inbox: a row is claimed with FOR UPDATE SKIP
// LOCKED in a transaction that stays open through its turn and marks it processed at
// the end, so a crash gives it back to the next claim (and a turn that had already run
// is recognised by the row's id and not run twice). On SQLite one instance keeps its
// claims in memory, and marks a row processed after its turn the same way. A sender's
// rows are taken in order, one at a time, whichever instance takes them.
type Adapter struct {
	db  *DB
	cfg Config
	h   channels.Handler
	r   channels.Replier
	rec channels.Recorder
	m   Metrics
	log *slog.Logger

	slots   chan struct{}
	running sync.WaitGroup
	// again wakes Run when a turn ends: the sender's next message may be waiting
	// behind it.
	again chan struct{}

	mu sync.Mutex
	// low is a row id below which every row is processed; the claim reads from it so
	// that it walks the primary key, not the whole table.
	low     int64
	lowAt   time.Time
	held    map[int64]time.Time // rows put back, not to be claimed before then
	taken   map[int64]bool      // rows whose turn runs (SQLite: no row locks)
	tries   map[int64]int       // failed turns per row
	lastErr time.Time
}

// NewAdapter returns an adapter handing inbox rows to h and their replies to r;
// records, if not nil, gets a record of each message.
func NewAdapter(db *DB, cfg Config, h channels.Handler, r channels.Replier, records channels.Recorder, m Metrics, log *slog.Logger) *Adapter {
	cfg = cfg.WithDefaults()
	if m == nil {
		m = NopMetrics{}
	}
	return &Adapter{db: db, cfg: cfg, h: h, r: r, rec: records, m: m, log: log,
		slots: make(chan struct{}, cfg.Turns), again: make(chan struct{}, 1), held: map[int64]time.Time{}, taken: map[int64]bool{}, tries: map[int64]int{}}
}

// Run takes rows until ctx ends. Turns already running finish on their own deadline;
// Close waits for them.
func (a *Adapter) Run(ctx context.Context) {
	t := time.NewTicker(a.cfg.Poll)
	defer t.Stop()
	for {
		a.drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-a.again:
		}
	}
}

// Close waits for the turns in flight, until ctx ends. A turn cut off leaves its row
// unprocessed, for the next process.
func (a *Adapter) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() { a.running.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// drain claims rows while turns are free and rows are there.
func (a *Adapter) drain(ctx context.Context) {
	a.refreshLow(ctx)
	for ctx.Err() == nil {
		select {
		case a.slots <- struct{}{}:
		default:
			return // every turn is busy; the next poll goes on
		}
		c, err := a.claim(ctx)
		if c == nil {
			<-a.slots
			if err != nil && ctx.Err() == nil {
				a.warn("gammu inbox not read", err)
			}
			return
		}
		a.running.Add(1)
		go func() {
			defer a.running.Done()
			defer func() {
				<-a.slots
				select {
				case a.again <- struct{}{}:
				default:
				}
			}()
			a.process(context.WithoutCancel(ctx), c)
		}()
	}
}

// warn logs a failure to read the inbox at most once a minute: gammu's database being
// away is one event, not one per poll.
func (a *Adapter) warn(msg string, err error) {
	a.mu.Lock()
	quiet := time.Since(a.lastErr) < time.Minute
	if !quiet {
		a.lastErr = time.Now()
	}
	a.mu.Unlock()
	if !quiet {
		a.log.Error(msg, "err", err)
	}
}

// refreshLow moves the low mark up to the oldest unprocessed row, once a minute (it
// reads the whole table; the claims in between read from the mark on).
func (a *Adapter) refreshLow(ctx context.Context) {
	a.mu.Lock()
	due := time.Since(a.lowAt) >= time.Minute
	from := a.low
	a.mu.Unlock()
	if !due {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	var low int64
	// Only this modem's rows: another's, never processed here, would hold the mark down
	// for ever, and every claim would read the table from there.
	err := a.db.sql.QueryRowContext(ctx, a.db.d.q(`
SELECT coalesce(min("ID"), (SELECT coalesce(max("ID"), 0) + 1 FROM inbox))
FROM inbox WHERE "ID" >= $3 AND "Processed" = $1 AND ($2 = '' OR "RecipientID" = $2)`), a.db.d.no, a.cfg.PhoneID, from).Scan(&low)
	if err != nil {
		return
	}
	a.mu.Lock()
	a.low, a.lowAt = low, time.Now()
	for id, until := range a.held {
		if id < low || time.Now().After(until.Add(time.Minute)) {
			delete(a.held, id)
		}
	}
	for id := range a.tries {
		if id < low {
			delete(a.tries, id)
		}
	}
	a.mu.Unlock()
}

// claimed is a message taken for its turn: in PostgreSQL its rows are locked by tx
// until done or release; in SQLite (one instance) it is marked in this adapter's
// memory.
type claimed struct {
	tx     *sql.Tx
	cancel context.CancelFunc // ends the transaction's context
	msg    message
}

// claim takes the oldest row whose sender has nothing older unprocessed (so a sender's
// messages are taken in order, across instances), with the other parts of its
// concatenated SMS. It returns nil when there is nothing to take now.
func (a *Adapter) claim(ctx context.Context) (*claimed, error) {
	for {
		a.mu.Lock()
		low := a.low
		var skip []int64
		now := time.Now()
		for id, until := range a.held {
			if now.Before(until) {
				skip = append(skip, id)
			}
		}
		a.mu.Unlock()
		c, again, err := a.claimOne(ctx, low, skip)
		if again {
			continue
		}
		return c, err
	}
}

// claimOne makes one attempt; again is true when the row it found waits for parts and
// another should be tried.
func (a *Adapter) claimOne(ctx context.Context, low int64, skip []int64) (c *claimed, again bool, err error) {
	d := a.db.d
	// The transaction lives on through the turn, so its context is the turn's: the
	// database/sql package rolls a transaction back when its context ends. The claim's
	// own statements have the shorter deadline.
	var tx *sql.Tx
	tctx, tcancel := a.turnContext(ctx)
	var q interface {
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	} = a.db.sql
	if !d.sqlite {
		tx, err = a.db.sql.BeginTx(tctx, nil)
		if err != nil {
			tcancel()
			return nil, false, err
		}
		q = tx
	} else {
		a.mu.Lock()
		for id := range a.taken {
			skip = append(skip, id)
		}
		a.mu.Unlock()
	}
	release := func() {
		if tx != nil {
			tx.Rollback()
		}
		tcancel()
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	head, err := scanRow(q.QueryRowContext(cctx, d.q(`
SELECT `+rowColumns(d)+`
FROM inbox i
WHERE i."ID" >= $1 AND i."Processed" = $4 AND ($2 = '' OR i."RecipientID" = $2) AND `+d.notIn(`i."ID"`, "$3")+`
  AND NOT EXISTS (SELECT 1 FROM inbox e WHERE e."ID" >= $1 AND e."ID" < i."ID" AND e."Processed" = $4
                  AND e."SenderNumber" = i."SenderNumber" AND ($2 = '' OR e."RecipientID" = $2))
ORDER BY i."ID" LIMIT 1 `+strings.Replace(d.lock, "UPDATE", "UPDATE OF i", 1)), low, a.cfg.PhoneID, d.ids(skip), d.no))
	if errors.Is(err, sql.ErrNoRows) {
		release()
		return nil, false, nil
	}
	if err != nil {
		release()
		return nil, false, err
	}
	msg := message{ID: head.ID, rows: []row{head}, Complete: true}
	if c, ok := parseConcat(head.UDH); ok && c.total > 1 {
		later, err := a.laterRows(cctx, q, head)
		if err != nil {
			release()
			return nil, false, err
		}
		msg = assemble(head, later)
		if !msg.Complete && head.AgeSeconds < a.cfg.PartsWait.Seconds() {
			// Parts are missing: give them a moment, and look at the others.
			release()
			a.hold(head.ID, time.Second)
			return nil, true, nil
		}
	}
	if d.sqlite {
		a.mu.Lock()
		for _, id := range msg.IDs() {
			a.taken[id] = true
		}
		a.mu.Unlock()
	}
	return &claimed{tx: tx, cancel: tcancel, msg: msg}, false, nil
}

// turnContext is what a claim's transaction lives on: past the turn, the replies and
// the final update, never cut short by Run's end.
func (a *Adapter) turnContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), a.cfg.TurnTimeout+3*callTimeout)
}

// laterRows locks the sender's unprocessed rows after head: the candidates for the
// other parts of its message.
func (a *Adapter) laterRows(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, head row) ([]row, error) {
	d := a.db.d
	rows, err := q.QueryContext(ctx, d.q(`
SELECT `+rowColumns(d)+`
FROM inbox WHERE "ID" > $1 AND "Processed" = $3 AND "SenderNumber" = $2 AND ($4 = '' OR "RecipientID" = $4)
ORDER BY "ID" LIMIT 255 `+d.lock), head.ID, head.Sender, d.no, a.cfg.PhoneID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []row
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func rowColumns(d dialect) string {
	return `"ID", "SenderNumber", "UDH", "Coding", "Text", "TextDecoded", ` + d.age
}

func scanRow(s interface{ Scan(...any) error }) (row, error) {
	var r row
	err := s.Scan(&r.ID, &r.Sender, &r.UDH, &r.Coding, &r.Text, &r.TextDecoded, &r.AgeSeconds)
	return r, err
}

// hold keeps a row from being claimed for d.
func (a *Adapter) hold(id int64, d time.Duration) {
	a.mu.Lock()
	a.held[id] = time.Now().Add(d)
	a.mu.Unlock()
}

// process runs the message's turn and marks its rows processed in the transaction that
// holds them. A failed turn gives the rows back for another try, a little later; on the
// last try the resident is told to write again, and the rows are done with.
func (a *Adapter) process(ctx context.Context, c *claimed) {
	msg := c.msg
	defer func() {
		if c.tx != nil {
			c.tx.Rollback()
		}
		c.cancel()
		a.mu.Lock()
		for _, id := range msg.IDs() {
			delete(a.taken, id)
		}
		a.mu.Unlock()
	}()
	from, ok := msisdn.Parse(msg.rows[0].Sender)
	var result string
	if !ok {
		// An operator's notice ("TELKOMSEL", a short code): nobody to answer, and an
		// answer to a short code can cost the office money.
		result = resultRefused
		a.log.Info("gammu: message from a sender that cannot be answered: no turn", "id", msg.ID,
			"sender", channels.MaskPhone(domain.CleanText(msg.rows[0].Sender)))
	} else {
		text, binary := msg.Text()
		in := channels.Inbound{Channel: Channel, ID: strconv.FormatInt(msg.ID, 10), From: from,
			Text: domain.CleanText(text), Time: time.Now()}
		if binary {
			in.Media = 1
		}
		a.mu.Lock()
		try := a.tries[msg.ID] + 1
		a.mu.Unlock()
		result = a.turn(ctx, in, try >= lastTry)
		if result == channels.ResultFailed && try < lastTry {
			a.mu.Lock()
			a.tries[msg.ID] = try
			a.mu.Unlock()
			a.hold(msg.ID, min(retryWait<<(try-1), time.Minute))
			a.m.Inbound(Channel, result)
			return
		}
	}
	uctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	d := a.db.d
	update := d.q(`UPDATE inbox SET "Processed" = $2 WHERE ` + d.in(`"ID"`, "$1"))
	var err error
	if c.tx != nil {
		_, err = c.tx.ExecContext(uctx, update, d.ids(msg.IDs()), d.yes)
		if err == nil {
			err = c.tx.Commit()
		}
	} else {
		_, err = a.db.sql.ExecContext(uctx, update, d.ids(msg.IDs()), d.yes)
	}
	if err != nil {
		// The row comes back; its turn is recognised by its id and not run twice.
		a.log.Warn("gammu: row not marked processed; it will be taken again", "id", msg.ID, "err", err)
	}
	a.mu.Lock()
	delete(a.tries, msg.ID)
	a.mu.Unlock()
	a.m.Inbound(Channel, result)
	if a.rec != nil && ok {
		a.rec.Add(ctx, domain.MessageRecord{Channel: Channel, Direction: domain.Inbound, ProviderID: "gammu-in:" + strconv.FormatInt(msg.ID, 10),
			Peer: from, Segments: len(msg.rows), Status: "received", At: time.Now()})
	}
}

// turn runs the message's turn. A panic in it is a failed turn, not the end of the
// process: a message that makes the bot panic would otherwise be claimed first after
// every restart, taking every channel down with it again and again.
func (a *Adapter) turn(ctx context.Context, in channels.Inbound, last bool) (result string) {
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("gammu: turn panicked", "id", in.ID, "panic", channels.MaskDigits(fmt.Sprint(r)), "stack", string(debug.Stack()))
			result = channels.ResultFailed
		}
	}()
	return channels.RunTurn(ctx, a.h, a.r, in, a.cfg.TurnTimeout, last, a.log)
}
