package store

import (
	"context"
	"errors"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// AuditPurge marks a run of the retention purge.
const AuditPurge = "purge"

// PurgePolicy says what is kept how long: everything older than a cutoff goes (a zero
// cutoff keeps that kind of data).
type PurgePolicy struct {
	// Messages: message records and delivery receipts, and the records of messages sent
	// or failed (their text is gone already), last changed before it, are deleted.
	Messages time.Time
	// Forwarded: residents' words added to a case after filing (resident_message
	// events, survey comments) before it are blanked; the event and the score stay.
	Forwarded time.Time
	// Closed: cases closed (selesai or ditolak) and last changed before it are
	// anonymised: name, NIK, address, description, the filer's name and number, the
	// contact, the last reply, the survey comment and every note of theirs are blanked;
	// the case row, its
	// ticket, desa, kind of help, statuses, service times, score and history stay, for
	// the office's figures.
	Closed time.Time
}

// PurgeCount says what a purge removed.
type PurgeCount struct {
	Messages, Forwarded, Cases int
}

// Purger carries out the retention policy. Opt-outs are kept: a resident who asked for
// no messages must not get them again because time passed.
type Purger interface {
	Purge(ctx context.Context, p PurgePolicy) (PurgeCount, error)
}

// Audit kinds of the operators' commands on one resident's data.
const (
	AuditExport = "data_export"
	AuditErase  = "data_erase"
)

// ErrCaseOpen: a case officers still work on cannot be erased; it is closed first.
var ErrCaseOpen = errors.New("store: the case is still open")

// Subjects finds a resident's data for the operators' commands.
type Subjects interface {
	// CasesByNIK lists the cases of a NIK, newest first (by its blind index when the
	// store seals).
	CasesByNIK(ctx context.Context, nik string, limit int) ([]domain.Case, error)
	// EraseCase anonymises one closed case now, as the archive purge would (ErrCaseOpen
	// if it is open, ErrNotFound if there is no such ticket).
	EraseCase(ctx context.Context, ticket string) error
}
