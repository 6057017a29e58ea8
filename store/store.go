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
)

// Errors callers act on.
var (
	// ErrNotFound: no such case (or session).
	ErrNotFound = errors.New("store: not found")
	// ErrDuplicate: the message of this turn was already processed; drop it.
	ErrDuplicate = errors.New("store: message already processed")
)

// Sessions keeps each sender's conversation state between messages and makes one turn
// at a time per sender.
type Sessions interface {
	// Begin starts a turn for sender: it waits (bounded by ctx) until no other turn of the
	// same sender runs, then returns the sender's saved session. It returns ErrDuplicate
	// when messageID was already committed by an earlier turn.
	Begin(ctx context.Context, sender, messageID string) (Turn, error)
	Close() error
}

// Turn is one sender's exclusive access to their session, from Begin to Commit or
// Release. Exactly one of them must be called.
type Turn interface {
	// Session is the saved state, nil when the sender has none (or it expired).
	Session() []byte
	// Commit saves the new state for ttl (nil deletes it), remembers the message as
	// processed, and ends the turn.
	Commit(ctx context.Context, session []byte, ttl time.Duration) error
	// Release ends the turn without saving; the message may be processed again.
	Release()
}

// Status is a case's place in the SLRT flow (design.md section 6). The values are the
// office's own terms and are stored as is.
type Status string

// Case statuses.
const (
	StatusNew       Status = "baru"
	StatusInProcess Status = "diproses"
	StatusReferred  Status = "dirujuk"
	StatusDone      Status = "selesai"
	StatusRejected  Status = "ditolak"
)

// Filing is a finished intake as submitted.
type Filing struct {
	// IntakeID identifies the intake; filing the same IntakeID again returns the case
	// filed the first time.
	IntakeID string
	// Channel is where the intake came in; pushes go back out on it.
	Channel string
	// Filer is the E.164 number that filed the case.
	Filer string
	Lang  string

	Relation    string
	Name        string
	NIK         string
	NoNIK       bool
	DesaCode    string
	Desa        string
	Kecamatan   string
	Address     string
	Need        string
	Description string
	Contact     string
	FiledAt     time.Time
}

// Case is a filed referral.
type Case struct {
	Filing
	ID        int64
	Ticket    string
	Status    Status
	UpdatedAt time.Time
}

// Event is one line of a case's audit trail.
type Event struct {
	ID     int64
	CaseID int64
	At     time.Time
	// Actor is who did it: a phone number in E.164 or "system".
	Actor string
	// Kind is what happened: "filed", "status", ...
	Kind string
	From Status
	To   Status
	Note string
}

// Cases stores cases and their audit trail.
type Cases interface {
	// FileCase stores a new case with status "baru", a "filed" event and a fresh ticket.
	// It is idempotent on Filing.IntakeID: a second call returns the first case and
	// created=false.
	FileCase(ctx context.Context, f Filing) (c Case, created bool, err error)
	// CaseByTicket finds a case by its ticket in canonical form (see ParseTicket).
	CaseByTicket(ctx context.Context, ticket string) (Case, error)
	// CasesByFiler lists the cases filed from a number, newest first.
	CasesByFiler(ctx context.Context, filer string, limit int) ([]Case, error)
	// Events lists a case's audit trail, oldest first.
	Events(ctx context.Context, caseID int64) ([]Event, error)
	Close() error
}
