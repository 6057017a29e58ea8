package gammu

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Phone is a modem as gammu-smsd describes it in its phones table, refreshed every
// StatusFrequency seconds of its smsdrc while it runs.
type Phone struct {
	ID       string // the smsdrc's PhoneID
	IMEI     string
	Client   string // Gammu's version and system
	NetName  string
	Send     bool // gammu-smsd sends SMS
	Receive  bool // gammu-smsd receives SMS
	Signal   int  // per cent, -1 unknown
	Battery  int  // per cent, -1 unknown
	Sent     int  // parts sent since gammu-smsd started
	Received int  // parts received since gammu-smsd started
	// Age is how long ago gammu-smsd last wrote the row, by the database's clock.
	Age time.Duration
}

// Phones lists the modems that have written into this database, the most recently
// heard first.
func (db *DB) Phones(ctx context.Context) ([]Phone, error) {
	rows, err := db.sql.QueryContext(ctx, `
SELECT "ID", "IMEI", "Client", coalesce("NetName", ''), "Send", "Receive", "Signal", "Battery", "Sent", "Received", `+db.d.age+`
FROM phones ORDER BY "UpdatedInDB" DESC`)
	if err != nil {
		return nil, fmt.Errorf("gammu phones: %w", err)
	}
	defer rows.Close()
	var out []Phone
	for rows.Next() {
		var p Phone
		var age float64
		var send, receive any
		if err := rows.Scan(&p.ID, &p.IMEI, &p.Client, &p.NetName, &send, &receive, &p.Signal, &p.Battery, &p.Sent, &p.Received, &age); err != nil {
			return nil, fmt.Errorf("gammu phones: %w", err)
		}
		p.Send, p.Receive = truth(send), truth(receive)
		p.Age = time.Duration(age * float64(time.Second))
		out = append(out, p)
	}
	return out, rows.Err()
}

// ModemError says why the modem is not to be counted on.
type ModemError struct {
	PhoneID string
	// Never: no modem (of that PhoneID) has ever written into this database.
	Never bool
	// Others are the PhoneIDs that have, when PhoneID has not.
	Others []string
	Age    time.Duration
}

func (e *ModemError) Error() string {
	switch {
	case e.Never && len(e.Others) > 0:
		return fmt.Sprintf("no modem with phoneid %s has written to this database; found: %s (SILAKSO_GAMMU_PHONE_ID is the smsdrc's phoneid)", e.PhoneID, strings.Join(e.Others, ", "))
	case e.Never:
		return "gammu-smsd has never written to this database: is it running, with this database in its smsdrc?"
	}
	return fmt.Sprintf("modem %s last heard %s ago: is gammu-smsd running and the modem plugged in?", e.PhoneID, e.Age.Round(time.Second))
}

// modem picks the phone this channel uses: the one named PhoneID, or else the one
// heard from last.
func modem(phones []Phone, id string) (Phone, bool) {
	for _, p := range phones {
		if id == "" || p.ID == id {
			return p, true
		}
	}
	return Phone{}, false
}

// Check reports whether the modem has been heard from within staleAfter.
func (db *DB) Check(ctx context.Context, phoneID string, staleAfter time.Duration) (Phone, error) {
	phones, err := db.Phones(ctx)
	if err != nil {
		return Phone{}, err
	}
	p, ok := modem(phones, phoneID)
	if !ok {
		var others []string
		for _, o := range phones {
			others = append(others, o.ID)
		}
		return Phone{}, &ModemError{PhoneID: phoneID, Never: true, Others: others}
	}
	if p.Age > staleAfter {
		return p, &ModemError{PhoneID: p.ID, Age: p.Age}
	}
	return p, nil
}

// tables are Gammu's tables this package reads or writes.
var tables = []string{"gammu", "inbox", "outbox", "outbox_multipart", "sentitems", "phones"}

// MissingTables lists which of Gammu's tables the database lacks.
func (db *DB) MissingTables(ctx context.Context) ([]string, error) {
	var missing []string
	exists := `SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = $1 AND schemaname = ANY(current_schemas(false))`
	if db.d.sqlite {
		exists = `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1`
	}
	for _, t := range tables {
		var n int
		if err := db.sql.QueryRowContext(ctx, exists, t).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			missing = append(missing, t)
		}
	}
	return missing, nil
}

// Queues is what waits in Gammu's tables.
type Queues struct {
	Unprocessed int // inbox rows no SILAKSO has processed
	// OldestUnprocessed is how long the oldest of them has waited.
	OldestUnprocessed time.Duration
	Outbox            int // messages waiting to be sent, SILAKSO's and others'
	OurOutbox         int // SILAKSO's among them
}

// Queued counts what waits (reading the inbox whole: for an operator's check, not
// for every poll).
func (db *DB) Queued(ctx context.Context) (Queues, error) {
	var q Queues
	var age float64
	err := db.sql.QueryRowContext(ctx, db.d.q(`
SELECT count(*), coalesce(max(`+db.d.age+`), 0) FROM inbox WHERE "Processed" = $1`), db.d.no).Scan(&q.Unprocessed, &age)
	if err != nil {
		return q, err
	}
	q.OldestUnprocessed = time.Duration(age * float64(time.Second))
	err = db.sql.QueryRowContext(ctx, db.d.q(`SELECT count(*), count(*) FILTER (WHERE `+ours+`) FROM outbox`)).Scan(&q.Outbox, &q.OurOutbox)
	return q, err
}
