package gammu

import (
	"context"
	"log/slog"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
)

// deliveryStatus maps sentitems.Status to the words message records use. SendingError
// and Error come after the modem's own retries (the smsdrc's MaxRetries): the message
// failed.
var deliveryStatus = map[string]string{
	"SendingOK":         "sent",
	"SendingOKNoReport": "sent",
	"DeliveryPending":   "sent",
	"DeliveryUnknown":   "sent",
	"DeliveryOK":        "delivered",
	"DeliveryFailed":    "undelivered",
	"SendingError":      "failed",
	"Error":             "failed",
}

// Tracker follows what gammu-smsd did with SILAKSO's messages (sentitems) and how the
// modem is (phones), and reports both: message records, metrics, and a silent modem.
type Tracker struct {
	db  *DB
	cfg Config
	rec channels.Recorder
	m   Metrics
	log *slog.Logger
	// OnSilent, if set, is called once when the modem has been silent for AlertAfter
	// (again only after it was heard from in between), with how long it has been.
	OnSilent func(ctx context.Context, silence time.Duration)

	started time.Time
	low     int64
	seen    map[int64]string // outbox id -> status recorded
	stale   bool
	alerted bool
}

// NewTracker returns a tracker writing message records to records (nil: none).
func NewTracker(db *DB, cfg Config, records channels.Recorder, m Metrics, log *slog.Logger) *Tracker {
	if m == nil {
		m = NopMetrics{}
	}
	return &Tracker{db: db, cfg: cfg.WithDefaults(), rec: records, m: m, log: log, seen: map[int64]string{}, started: time.Now()}
}

// Run reads sentitems and phones every StatusPoll until ctx ends.
func (t *Tracker) Run(ctx context.Context) {
	tick := time.NewTicker(t.cfg.StatusPoll)
	defer tick.Stop()
	for {
		t.Once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Once does one round; errors are logged (the next round tries again).
func (t *Tracker) Once(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 2*callTimeout)
	defer cancel()
	if err := t.modem(ctx); err != nil && ctx.Err() == nil {
		t.log.Warn("gammu phones not read", "err", err)
	}
	if err := t.sent(ctx); err != nil && ctx.Err() == nil {
		t.log.Warn("gammu sentitems not read", "err", err)
	}
}

func (t *Tracker) modem(ctx context.Context) error {
	phones, err := t.db.Phones(ctx)
	if err != nil {
		return err
	}
	p, ok := modem(phones, t.cfg.PhoneID)
	silence := p.Age
	if ok {
		t.m.Modem(time.Now().Add(-p.Age), p.Signal, p.Battery)
	} else {
		// Never heard from: counted from this tracker's start, so that SILAKSO starting
		// before gammu-smsd (at boot) alarms nobody.
		silence = time.Since(t.started)
	}
	stale := silence > t.cfg.StaleAfter
	if stale != t.stale {
		t.stale = stale
		if stale {
			t.log.Warn("gammu: the modem has not been heard from", "phone", p.ID, "for", silence.Round(time.Second).String())
		} else {
			t.log.Info("gammu: the modem is heard from again", "phone", p.ID)
		}
	}
	if silence <= t.cfg.AlertAfter {
		t.alerted = false
		return nil
	}
	if !t.alerted {
		t.alerted = true
		t.log.Error("gammu: the modem is silent; supervisors are told", "phone", p.ID, "for", silence.Round(time.Second).String(), "never", !ok)
		if t.OnSilent != nil {
			t.OnSilent(ctx, silence)
		}
	}
	return nil
}

// sent records the state of every message of SILAKSO's that gammu-smsd sent or failed
// since the last round, and the delivery reports that came in.
func (t *Tracker) sent(ctx context.Context) error {
	if t.low == 0 {
		// At start, the last few hundred messages are read again: those sent while no
		// SILAKSO was running get their records, the older ones have theirs.
		err := t.db.sql.QueryRowContext(ctx, `SELECT coalesce(max("ID"), 0) - 500 FROM sentitems`).Scan(&t.low)
		if err != nil {
			return err
		}
		t.low = max(t.low, 1)
	}
	var pending *int64
	d := t.db.d
	if err := t.db.sql.QueryRowContext(ctx, `SELECT min("ID") FROM outbox WHERE `+ours).Scan(&pending); err != nil {
		return err
	}
	rows, err := t.db.sql.QueryContext(ctx, d.q(`
SELECT "ID", "Status", "DestinationNumber", "StatusError" FROM sentitems WHERE `+ours+` AND "ID" >= $1
UNION ALL
SELECT "ID", "Status", "DestinationNumber", "StatusError" FROM sentitems
WHERE `+ours+` AND "DeliveryDateTime" >= `+d.since(600)+`
ORDER BY 1`), t.low)
	if err != nil {
		return err
	}
	defer rows.Close()
	type msg struct {
		status, to string
		code       int
	}
	msgs := map[int64]msg{}
	var top int64
	for rows.Next() {
		var id int64
		var m msg
		if err := rows.Scan(&id, &m.status, &m.to, &m.code); err != nil {
			return err
		}
		top = max(top, id)
		st := deliveryStatus[m.status]
		// A message is as far as its least advanced part, or failed if any part failed.
		if old, ok := msgs[id]; ok && !worse(st, deliveryStatus[old.status]) {
			continue
		}
		msgs[id] = m
	}
	if err := rows.Err(); err != nil {
		return err
	}
	now := time.Now()
	for id, m := range msgs {
		st := deliveryStatus[m.status]
		if st == "" || t.seen[id] == m.status {
			continue
		}
		t.seen[id] = m.status
		t.m.Status(st)
		rec := domain.MessageRecord{Channel: Channel, Direction: domain.Outbound, ProviderID: providerID(id), Peer: m.to, Status: st, At: now}
		if st == "failed" || st == "undelivered" {
			rec.ErrorCode, rec.Error = m.status, "gammu-smsd: "+m.status
			t.log.Warn("gammu: SMS not delivered", "id", id, "to", channels.MaskPhone(m.to), "status", m.status, "code", m.code)
		}
		if st == "failed" {
			// The modem gave up (no credit, no network, a blocked SIM): the message
			// is handed to it again later, a few times, before it is given up.
			gaveUp, err := t.resend(ctx, id, m.to)
			switch {
			case err != nil:
				delete(t.seen, id) // the next round tries again
				t.log.Error("gammu: failed SMS not queued again", "id", id, "err", err)
			case gaveUp:
				t.log.Error("gammu: SMS given up after the modem failed it again and again", "id", id, "to", channels.MaskPhone(m.to), "sends", maxSends)
			}
		}
		if t.rec != nil {
			t.rec.Add(ctx, rec)
		}
	}
	// Everything below the oldest message still queued, and below what was read, is
	// done with: the next round reads from there, and the last hundred again, since a
	// send with a lower id may commit after a higher one was sent (what was recorded is
	// not recorded twice).
	low := top + 1 - 100
	if top == 0 {
		low = t.low
	}
	low = max(low, t.low)
	if pending != nil && *pending < low {
		low = *pending
	}
	t.low = low
	for id := range t.seen {
		if id < low-1000 {
			delete(t.seen, id)
		}
	}
	return nil
}

// worse reports whether delivery status a is behind b (or a failure where b is not).
func worse(a, b string) bool {
	fa, fb := a == "failed" || a == "undelivered", b == "failed" || b == "undelivered"
	if fa != fb {
		return fa
	}
	return domain.StatusRank(a) < domain.StatusRank(b)
}
