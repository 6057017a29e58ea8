// Package store is the persistence contract: conversation sessions (with de-duplication
// and per-sender serialisation) and cases with their audit trail. Implementations live
// in subpackages named after their technology (store/memory, store/sqlite, ...); every
// one of them passes the conformance suite in store/storetest. No driver type crosses
// these interfaces.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// Errors callers act on.
var (
	// ErrNotFound: no such case (or session).
	ErrNotFound = errors.New("store: not found")
	// ErrDuplicate: the message of this turn was already processed; drop it.
	ErrDuplicate = errors.New("store: message already processed")
	// ErrSlowDown: the sender went over the rate limit with this message; answer it
	// once with a request to slow down.
	ErrSlowDown = errors.New("store: sender over the rate limit")
	// ErrThrottled: the sender is still over the rate limit; drop the message silently.
	ErrThrottled = errors.New("store: sender throttled")
	// ErrLockLost: the turn took longer than the lock lasts and another turn of the
	// same sender may have run; nothing was saved and the message may be processed again.
	ErrLockLost = errors.New("store: sender lock expired before commit")
	// ErrInvalid: the database refused the data itself (a value it cannot store), so
	// trying the same write again cannot help. Other errors mean the database could
	// not be reached or was too slow, and a later try may succeed.
	ErrInvalid = errors.New("store: data refused by the database")
	// ErrConflict: the case changed (or went) between the read a change was decided on
	// and its write; nothing was written.
	ErrConflict = errors.New("store: the case changed since it was read")
)

// Arrival is the inbound message a turn is for.
type Arrival struct {
	Sender    string
	MessageID string
	// At is when the message arrived; turns of one sender waiting at the same time run
	// in this order.
	At time.Time
}

// Sessions keeps each sender's conversation state between messages and makes one turn
// at a time per sender, across every instance that shares the store.
type Sessions interface {
	// Begin starts a turn: it waits (bounded by ctx) until no other turn of the same
	// sender runs, then returns the sender's saved session. Waiting turns run in order of
	// Arrival.At. It returns ErrDuplicate when the message was already committed by an
	// earlier turn, and ErrSlowDown or ErrThrottled when the sender is over the rate
	// limit (these messages are not processed at all).
	Begin(ctx context.Context, a Arrival) (Turn, error)
	// Queued is the number of turns of sender running or waiting, for monitoring and
	// tests.
	Queued(ctx context.Context, sender string) (int, error)
	Close() error
}

// SessionOptions are the limits every session store applies.
type SessionOptions struct {
	// DedupeTTL is how long a processed message id is remembered (default 72 h): longer
	// than any provider delivers a message again (the Android gateway app posts an
	// unanswered event for about 45 hours).
	DedupeTTL time.Duration
	// LockTTL is how long a turn may hold its sender's lock before another turn may
	// take over, so a crashed instance cannot block a resident for longer than the
	// provider keeps retrying (Twilio: 15 s at most) (default 10 s; keep it above the
	// engine's turn timeout).
	LockTTL time.Duration
	// CallTimeout bounds each call to a networked store (default 1 s), so that a server
	// that hangs fails one call in time for the turn to answer, instead of using up the
	// turn.
	CallTimeout time.Duration
	// RateLimit is how many messages one sender may send per RateWindow (default 30 per
	// minute; a negative value turns the limit off).
	RateLimit  int
	RateWindow time.Duration
}

// WithDefaults fills in unset options.
func (o SessionOptions) WithDefaults() SessionOptions {
	if o.DedupeTTL == 0 {
		o.DedupeTTL = 72 * time.Hour
	}
	if o.LockTTL == 0 {
		o.LockTTL = 10 * time.Second
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = time.Second
	}
	if o.RateLimit == 0 {
		o.RateLimit = 30
	}
	if o.RateWindow == 0 {
		o.RateWindow = time.Minute
	}
	return o
}

// Turn is one sender's exclusive access to their session, from Begin to Commit or
// Release. Exactly one of them must be called.
type Turn interface {
	// Session is the saved state, nil when the sender has none (or it expired).
	Session() []byte
	// Commit saves the new state for ttl (nil deletes it), remembers the message as
	// processed, and ends the turn.
	Commit(ctx context.Context, session []byte, ttl time.Duration) error
	// Release ends the turn without saving; the message may be processed again. It is a
	// no-op after Commit.
	Release()
}

// Cases stores cases and their audit trail.
type Cases interface {
	// NextCaseID draws the number of a case about to be filed (domain.NewCase makes
	// its ticket from it). A number drawn for a filing that turns out to be a repeat is
	// not used: tickets may skip, never repeat.
	NextCaseID(ctx context.Context) (int64, error)
	// FileCase stores c, a new case made by domain.NewCase, with a "filed" event and,
	// in the same transaction, msgs (the resident's confirmation, the officers to
	// tell). It is idempotent on the intake id: a second call returns the first case
	// and created=false, and stores no messages. File does all of it.
	FileCase(ctx context.Context, c domain.Case, msgs []domain.OutboxMessage) (_ domain.Case, created bool, err error)
	// UpdateCase writes u, decided on c as read, in one transaction with u's events and
	// messages, and returns the case as changed. ErrConflict, writing nothing, if the
	// case is no longer as read (its Version moved, or it is gone): read it again and
	// decide again (Change does, and learns then if it is gone).
	UpdateCase(ctx context.Context, c domain.Case, u domain.CaseUpdate, at time.Time) (domain.Case, error)
	// OpenCases lists open cases (baru, diproses, dirujuk), newest first, with an id below
	// beforeID (0: from the newest), in the given kecamatan (nil: all).
	OpenCases(ctx context.Context, kecamatan []string, beforeID int64, limit int) ([]domain.Case, error)
	// LatestRepliedCase is the filer's open case with the latest officer reply since
	// since, or ErrNotFound.
	LatestRepliedCase(ctx context.Context, filer string, since time.Time) (domain.Case, error)
	// Unescalated lists up to limit cases still "baru", untaken and never escalated,
	// filed before filedBefore, oldest first (Escalate marks them).
	Unescalated(ctx context.Context, filedBefore time.Time, limit int) ([]domain.Case, error)
	// CaseByTicket finds a case by its ticket in canonical form (see ParseTicket).
	CaseByTicket(ctx context.Context, ticket string) (domain.Case, error)
	// CasesByFiler lists the cases filed from a number, newest first.
	CasesByFiler(ctx context.Context, filer string, limit int) ([]domain.Case, error)
	// CountCasesByNIK counts the cases with that NIK other than exceptID, so that an
	// officer learns of other requests for one person without seeing the NIK.
	CountCasesByNIK(ctx context.Context, nik string, exceptID int64) (int, error)
	// Events lists a case's audit trail, oldest first.
	Events(ctx context.Context, caseID int64) ([]domain.Event, error)
	Close() error
}

// Parking keeps confirmed intakes that could not be filed (the case database was down)
// until they are filed. The session stores keep a copy every instance can see;
// store/spool keeps one that no restart loses; ParkingCopies keeps both.
type Parking interface {
	// Park keeps f until Unpark; parking the same intake again replaces it.
	Park(ctx context.Context, f domain.Filing) error
	// Parked returns up to limit parked filings.
	Parked(ctx context.Context, limit int) ([]domain.Filing, error)
	// Unpark forgets a filing once it is filed.
	Unpark(ctx context.Context, intakeID string) error
}

// SetAside is what a Parking may also do: take a filing the case database refuses as
// such (ErrInvalid) out of the retries, keeping it for an operator, so that it is not
// tried, and logged, every round, nor holds a place among the filings tried.
type SetAside interface {
	SetAside(ctx context.Context, intakeID string) error
}
