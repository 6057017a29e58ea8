package domain

import (
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
