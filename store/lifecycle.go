package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// CaseUpdate is one change to a case, decided by the caller of UpdateCase.
type CaseUpdate struct {
	// Status, AssignedTo and Agency replace the case's values when not empty.
	Status     Status
	AssignedTo string
	Agency     string
	// Reply, when not empty, becomes the case's latest officer message.
	Reply string
	// Events are appended to the audit trail (CaseID and At are filled in).
	Events []Event
	// Messages are queued for delivery in the same transaction.
	Messages []OutboxMessage
	// AskSurvey records that the satisfaction question goes out with this change;
	// SurveyScore (1-4) and SurveyComment record the resident's answer to an open
	// survey (a second score, or a second comment, is ignored).
	AskSurvey     bool
	SurveyScore   int
	SurveyComment string
}

// Apply returns c with the update made at at (already at the engine's time precision).
// Events and messages are written apart. Views and internal notes are audit events,
// not news for the resident: the "last update" they see moves only when the case does;
// nor is a survey answer.
func (u CaseUpdate) Apply(c Case, at time.Time) Case {
	if u.Status != "" {
		c.Status = u.Status
	}
	if u.AssignedTo != "" {
		c.AssignedTo = u.AssignedTo
	}
	if u.Agency != "" {
		c.Agency = u.Agency
	}
	if u.Reply != "" {
		c.LastReply, c.LastReplyAt = u.Reply, at
	}
	if u.Status != "" || u.AssignedTo != "" || u.Agency != "" || u.Reply != "" {
		c.UpdatedAt = at
	}
	c.Service = c.Service.mark(u, at)
	c.Survey = c.Survey.mark(u, at)
	return c
}

// Role is what an officer may do.
type Role string

// Officer roles, a closed set (the database CHECKs it): a petugas works the cases of
// their kecamatan; supervisors and admins see all, and may reassign; admins are alerted
// about lockouts. Any other value has no access at all.
const (
	RolePetugas    Role = "petugas"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return r == RolePetugas || r == RoleSupervisor || r == RoleAdmin }

// ErrExists: a record with that key is already there.
var ErrExists = errors.New("store: already exists")

// Officer is a registered officer.
type Officer struct {
	// Phone is the officer's number in E.164; messages from it are officer commands.
	Phone     string
	Name      string
	Role      Role
	Kecamatan []string
	// Channel is where pushes to the officer go (new cases, residents' answers).
	Channel   string
	Active    bool
	CreatedAt time.Time
	// PINHash is the bcrypt hash of the officer's login PIN ("" when none is set: the
	// officer cannot log in).
	PINHash string
	// FailedPINs counts PIN tries since the last right one; LockedUntil is when a
	// lockout ends; Lockouts counts lockouts since the last right PIN (each lasts twice
	// the one before).
	FailedPINs  int
	LockedUntil time.Time
	Lockouts    int
	// SessionsAfter: logins made before it have ended (a new PIN, a lockout, a
	// disable), so that a taken-over phone loses access at once.
	SessionsAfter time.Time
	// MonthlySummary: the officer (a supervisor or admin) asked for the month's figures
	// on their channel on the first of each month.
	MonthlySummary bool
}

// Oversees reports whether the officer sees every kecamatan and may move cases between
// officers (supervisors and admins).
func (o Officer) Oversees() bool { return o.Role == RoleSupervisor || o.Role == RoleAdmin }

// Covers reports whether the officer may see and change cases of kecamatan.
func (o Officer) Covers(kecamatan string) bool {
	switch o.Role {
	case RoleSupervisor, RoleAdmin:
		return true
	case RolePetugas:
		return slices.ContainsFunc(o.Kecamatan, func(k string) bool { return strings.EqualFold(k, kecamatan) })
	}
	return false // a role outside the set has no access
}

// Officers is the officer registry.
type Officers interface {
	// AddOfficer registers an officer; ErrExists if the number is registered.
	AddOfficer(ctx context.Context, o Officer) error
	// Officer finds one by number; ErrNotFound if unknown.
	Officer(ctx context.Context, phone string) (Officer, error)
	// ListOfficers returns all officers, active or not, by name.
	ListOfficers(ctx context.Context) ([]Officer, error)
	// SetOfficerActive enables or disables an officer, and ends their logins made
	// before at; ErrNotFound if unknown.
	SetOfficerActive(ctx context.Context, phone string, active bool, at time.Time) error
	// SetOfficerPIN stores a new PIN hash, clears wrong tries and any lockout, and ends
	// logins made before at; ErrNotFound if unknown.
	SetOfficerPIN(ctx context.Context, phone, hash string, at time.Time) error
	// PINTry counts a PIN try before the PIN is compared, atomically across instances,
	// so that no guess goes uncounted (a database that fails now fails the login); a
	// locked officer's count is left alone. It returns the officer as now stored;
	// ErrNotFound if unknown.
	PINTry(ctx context.Context, phone string, at time.Time) (Officer, error)
	// PINFailed records that the counted try was wrong: once max tries in a row were
	// wrong, the officer is locked until at+lockFor, doubled for every lockout since the
	// last right PIN (at most 32 times), their logins made before at end, and the count
	// starts again. It returns the officer as now stored.
	PINFailed(ctx context.Context, phone string, max int, lockFor time.Duration, at time.Time) (Officer, error)
	// PINPassed clears the count of tries and of lockouts.
	PINPassed(ctx context.Context, phone string) error
	// SetMonthlySummary switches the monthly summary on or off; ErrNotFound if unknown.
	SetMonthlySummary(ctx context.Context, phone string, on bool) error
}

// Outbox message states.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// OutboxMessage is a message waiting to be delivered (or the record of one).
type OutboxMessage struct {
	ID      int64
	Channel string
	To      string
	Text    string
	CaseID  int64
	// State is pending, sent or failed.
	State      string
	Attempts   int
	NextAt     time.Time
	ProviderID string
	LastError  string
	// Key names the message for every try to send it (channels.Outbound.Key). Enqueue
	// keeps the one given, or makes one.
	Key string
	// OptedOut is set by Claim when the recipient asked for no more messages
	// (BERHENTI, or STOP at the provider): the message is not to be sent.
	OptedOut bool
}

// Outbox holds messages until a worker has delivered them. Delivery is at least once: a
// worker that dies after sending but before recording it loses its lease, and the
// message is sent again by another.
//
// Messages reach each recipient in the order they were queued: Claim hands out a
// recipient's oldest pending message only, and only once nothing older of theirs is
// pending (leased to a worker or waiting for a retry), whichever worker in whichever
// instance asks.
type Outbox interface {
	// Enqueue stores messages due at at (for messages not tied to a case change).
	Enqueue(ctx context.Context, msgs []OutboxMessage, at time.Time) error
	// Claim leases up to limit due messages, at most one per recipient, to owner until
	// now+lease, counting an attempt, and says of each whether its recipient opted out
	// (so a worker needs no second query per message).
	Claim(ctx context.Context, owner string, limit int, lease time.Duration, now time.Time) ([]OutboxMessage, error)
	// Extend renews owner's leases of ids until until, for messages still being worked
	// on, and returns the ids owner still holds (a lease that ran out may have gone to
	// another worker).
	Extend(ctx context.Context, owner string, ids []int64, until time.Time) ([]int64, error)
	// Release gives back owner's leases of ids without an outcome (the worker is
	// stopping): the messages are due again at once and the attempt is not counted.
	Release(ctx context.Context, owner string, ids []int64) error
	// Sent, Retry and Failed record the outcome of a claimed message. They return
	// ErrLockLost if owner no longer holds the lease (another worker took it over).
	// A message sent or failed keeps its record but not its text: what residents were
	// told is not kept longer than it takes to tell them.
	Sent(ctx context.Context, id int64, owner, providerID string, at time.Time) error
	Retry(ctx context.Context, id int64, owner string, next time.Time, reason string, at time.Time) error
	Failed(ctx context.Context, id int64, owner, reason string, at time.Time) error
	// OutboxMessageByID reads one message (for tests and operators).
	OutboxMessageByID(ctx context.Context, id int64) (OutboxMessage, error)
}
