// Package gammu is the SMS channel through Gammu SMSD: a USB GSM modem (or an old phone)
// with a local SIM card, driven by gammu-smsd, which keeps received SMS in its inbox
// table and sends what is inserted into its outbox table. It gives an office two-way SMS
// on its own Indonesian number, which Twilio cannot.
//
// The tables are Gammu's own (its pgsql.sql or sqlite.sql, schema version 17), in a
// database of their own. SILAKSO reads them and writes only what Gammu documents for
// the programs beside it: inbox."Processed", and new rows in outbox and
// outbox_multipart (marked with CreatorID). It never adds a trigger or an index to them.
package gammu

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // Gammu's SQLite tables
)

// Channel is the name stored with each case that came in by SMS through Gammu, so that
// pushes for it go out the same way.
const Channel = "gammu-sms"

// CreatorID starts the CreatorID of every outbox row SILAKSO writes, so that it follows
// (and counts) only its own messages in sentitems; a token of the send follows it
// ("silakso:3f9a..."), by which a send whose answer was lost is found again.
const CreatorID = "silakso"

// ours matches SILAKSO's CreatorIDs in SQL.
const ours = `"CreatorID" LIKE 'silakso:%'`

// creatorID marks one send.
func creatorID() string {
	var b [8]byte
	crand.Read(b[:])
	return CreatorID + ":" + hex.EncodeToString(b[:])
}

// SchemaVersion is the version of Gammu's tables this package reads and writes (Gammu
// 1.38 to 1.42).
const SchemaVersion = 17

// callTimeout bounds each call to Gammu's database: a database that hangs fails one
// poll, which the next one repeats, instead of holding the inbox, the tracker or a
// shutdown.
const callTimeout = 5 * time.Second

// ErrSchema: the database has no Gammu tables, or tables of another version.
var ErrSchema = errors.New("gammu: tables missing or of another schema version")

// Config tunes the channel; zero values take the defaults.
type Config struct {
	// PhoneID is the smsdrc's PhoneID: only the inbox rows of that modem are taken, and
	// replies are sent by it. Empty: every modem writing into this database.
	PhoneID string
	// Poll is how often the inbox is looked at (default 250 ms; a look finding nothing
	// is one index range scan). Gammu's tables carry no notification of their own, and
	// adding a trigger would change them; gammu-smsd itself reads the modem once a
	// second at most.
	Poll time.Duration
	// PartsWait is how long a concatenated SMS with a part missing waits for it before
	// it is processed with what arrived (default 60 s). gammu-smsd stores the parts it
	// has of an incomplete message one after the other, each after its smsdrc's
	// MultipartTimeout: PartsWait must be longer (the README's smsdrc sets 30 s).
	PartsWait time.Duration
	// Turns is how many messages (of different senders) are processed at once
	// (default 8; a modem receives a few per second at most).
	Turns int
	// TurnTimeout bounds one turn (default 10 s).
	TurnTimeout time.Duration
	// DeliveryReports asks the network for a delivery report of every SMS sent.
	DeliveryReports bool
	// StaleAfter is how long the modem may go without a word to Gammu's phones table
	// before /readyz reports it (default 3 minutes: three of Gammu's default status
	// rounds).
	StaleAfter time.Duration
	// AlertAfter is how long the modem may be silent before supervisors are told, once
	// (default 30 minutes).
	AlertAfter time.Duration
	// StatusPoll is how often sentitems and the phones table are read (default 2 s).
	StatusPoll time.Duration
	// ResendAfter is how long after gammu-smsd failed a message it is given to it again
	// (default 5 minutes; three sends in all).
	ResendAfter time.Duration
}

// WithDefaults is c with every zero value set to its default.
func (c Config) WithDefaults() Config {
	if c.Poll <= 0 {
		c.Poll = 250 * time.Millisecond
	}
	if c.PartsWait <= 0 {
		c.PartsWait = time.Minute
	}
	if c.Turns <= 0 {
		c.Turns = 8
	}
	if c.TurnTimeout <= 0 {
		c.TurnTimeout = 10 * time.Second
	}
	if c.StaleAfter <= 0 {
		c.StaleAfter = 3 * time.Minute
	}
	if c.AlertAfter <= 0 {
		c.AlertAfter = 30 * time.Minute
	}
	if c.ResendAfter <= 0 {
		c.ResendAfter = 5 * time.Minute
	}
	if c.StatusPoll <= 0 {
		c.StatusPoll = 2 * time.Second
	}
	return c
}

// Metrics is what the channel reports; silakso serve exports it to Prometheus.
type Metrics interface {
	// Inbound counts messages by channel and result: accepted, duplicate, failed, refused.
	Inbound(channel, result string)
	// Sent counts outbound messages by channel and result and the SMS parts of those sent.
	Sent(channel, result string, segments int)
	// Status counts delivery states read from sentitems.
	Status(status string)
	// Modem reports the newest word from the modem: when, its signal and battery (%).
	Modem(lastSeen time.Time, signal, battery int)
}

// NopMetrics discards metrics.
type NopMetrics struct{}

func (NopMetrics) Inbound(string, string)    {}
func (NopMetrics) Sent(string, string, int)  {}
func (NopMetrics) Status(string)             {}
func (NopMetrics) Modem(time.Time, int, int) {}

// DB is Gammu's database: PostgreSQL (driver = native_pgsql in the smsdrc) or SQLite
// (driver = sqlite3).
type DB struct {
	sql *sql.DB
	d   dialect
}

// Open connects to Gammu's database, postgres://... or sqlite:PATH, and checks its
// schema version.
func Open(ctx context.Context, url string) (*DB, error) {
	var db *DB
	if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("gammu database: %w (create it with Gammu's sqlite.sql)", err)
		}
		// gammu-smsd writes to the same file: wait for its locks instead of failing.
		// Nothing else of the file is changed (its journal mode is Gammu's).
		s, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
		if err != nil {
			return nil, fmt.Errorf("gammu database: %w", err)
		}
		db = &DB{sql: s, d: sqliteDialect}
	} else {
		pcfg, err := pgx.ParseConfig(url)
		if err != nil {
			return nil, fmt.Errorf("gammu database: %w", err)
		}
		// Timestamps in Gammu's tables are local times without a zone, written and
		// compared by each session's clock: SILAKSO's sessions keep the server's zone,
		// as gammu-smsd's do (PGTZ is not to be set), or queued messages wait hours.
		// A claim's transaction is open through its turn. If SILAKSO's end of it dies
		// without a word (a network that drops packets), the server must not hold the
		// row's lock, and the resident's later messages behind it, for its two-hour TCP
		// keepalive: it ends a transaction idle for longer than any turn, and finds a
		// silent peer within a minute.
		for k, v := range map[string]string{
			"idle_in_transaction_session_timeout": "30s",
			"tcp_keepalives_idle":                 "30", "tcp_keepalives_interval": "10", "tcp_keepalives_count": "3",
		} {
			if _, set := pcfg.RuntimeParams[k]; !set {
				pcfg.RuntimeParams[k] = v
			}
		}
		s := stdlib.OpenDB(*pcfg)
		// database/sql keeps two idle connections by default: with eight turns each
		// holding one, every claim would dial anew (measured: ten times slower).
		s.SetMaxOpenConns(16)
		s.SetMaxIdleConns(16)
		if err := s.PingContext(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("gammu: cannot reach %s:%d as %s: %w", pcfg.Host, pcfg.Port, pcfg.User, shortError(err))
		}
		db = &DB{sql: s, d: postgresDialect}
	}
	v, err := db.Version(ctx)
	if err != nil {
		db.sql.Close()
		return nil, err
	}
	if v != SchemaVersion {
		db.sql.Close()
		return nil, fmt.Errorf("%w: version %d, want %d (load the pgsql.sql or sqlite.sql of gammu-smsd 1.42)", ErrSchema, v, SchemaVersion)
	}
	return db, nil
}

// shortError keeps what says why a connection failed: the server's message, or the
// network error, without the driver's account of every address and TLS mode it tried.
func shortError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return errors.New(pgErr.Message)
	}
	var netErr *net.OpError
	if errors.As(err, &netErr) {
		return netErr
	}
	return err
}

// Close closes the connections.
func (db *DB) Close() { db.sql.Close() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Version reads Gammu's schema version.
func (db *DB) Version(ctx context.Context) (int, error) {
	missing, err := db.MissingTables(ctx)
	if err != nil {
		return 0, fmt.Errorf("gammu database: %s", strings.Join(strings.Fields(err.Error()), " "))
	}
	if slices.Contains(missing, "gammu") {
		return 0, fmt.Errorf("%w: no table gammu (load Gammu's pgsql.sql or sqlite.sql from gammu-smsd's examples)", ErrSchema)
	}
	var v int
	err = db.sql.QueryRowContext(ctx, `SELECT "Version" FROM gammu`).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, fmt.Errorf("%w: table gammu is empty", ErrSchema)
	case err != nil:
		return 0, fmt.Errorf("gammu database: %s", strings.Join(strings.Fields(err.Error()), " "))
	}
	return v, nil
}
