package store

import (
	"context"
	"time"
)

// AuditEntry is one line of the service's own audit trail: what officers and operators
// did that is not a change of one case (those are case Events): logins and failed ones,
// lockouts, case listings, status checks by someone other than the filer, changes to
// the officer registry, exports and purges.
type AuditEntry struct {
	ID int64
	At time.Time
	// Actor is who did it: an officer's number, "operator" for the command line.
	Actor string
	// Kind names what was done (AuditLogin and the other constants).
	Kind string
	// Subject is what it was done to: a ticket, an officer's number ("" if nothing).
	Subject string
	// Detail says more, never personal data beyond a masked number.
	Detail string
}

// Audit kinds.
const (
	AuditLogin          = "login"
	AuditLoginFailed    = "login_failed"
	AuditLockout        = "lockout"
	AuditLogout         = "logout"
	AuditList           = "list"
	AuditStatusByOther  = "status_by_other"
	AuditOfficerAdded   = "officer_added"
	AuditOfficerPIN     = "officer_pin"
	AuditOfficerEnabled = "officer_enabled"
	AuditOfficerOff     = "officer_disabled"
	AuditOfficerSummary = "officer_summary"
	AuditReport         = "report"
)

// AuditKinds are every kind, for those who filter by one.
var AuditKinds = []string{AuditLogin, AuditLoginFailed, AuditLockout, AuditLogout, AuditList, AuditStatusByOther,
	AuditOfficerAdded, AuditOfficerPIN, AuditOfficerEnabled, AuditOfficerOff, AuditOfficerSummary, AuditReport, AuditRekey, AuditPurge, AuditExport, AuditErase}

// AuditFilter selects audit entries; zero fields select everything.
type AuditFilter struct {
	From, To time.Time
	Actor    string
	Kind     string
	Limit    int
}

// Auditor keeps the audit trail. Entries are never changed or removed: the database
// refuses it (a trigger), whatever the application asks.
type Auditor interface {
	Audit(ctx context.Context, e AuditEntry) error
	// AuditTrail lists entries matching f, oldest first.
	AuditTrail(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// AuditRekey marks a re-sealing of the stored personal data (silakso data rekey).
const AuditRekey = "data_rekey"

// ResealCount says what a re-sealing rewrote.
type ResealCount struct {
	Cases, Events, Outbox int
}

// Resealer re-seals stored personal data under the store's current key: values sealed
// with an older key, and values stored before sealing, are rewritten, and NIKs get
// their blind index; values already under the current key are left alone, so a second
// run rewrites nothing. The event trail's notes are rewritten in a transaction the
// append-only rule lets through for that alone.
type Resealer interface {
	Reseal(ctx context.Context) (ResealCount, error)
}
