package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

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
