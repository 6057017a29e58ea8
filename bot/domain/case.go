// Package domain is what the office works with, apart from how it is stored or
// carried: filings and cases with their statuses and audit events, the lifecycle a
// case goes through, tickets, changes to a case and the service and survey marks they
// leave, officers and what each may do, and the messages the service sends and
// records. It imports nothing of this repository, so every other package (the engine,
// the stores, the channel adapters) can speak it.
package domain

import (
	"slices"
	"time"
)

// Status is a case's place in the SLRT flow (docs/architecture.md, Case lifecycle). The values are the
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
	// FilerName is the name of who filed for someone else ("" when filed for oneself:
	// Name is theirs).
	FilerName string
	Lang      string
	// Notice is the version of the privacy notice the filer was shown, and NoticeAt
	// when ("" and zero when not known: an intake begun before notices were recorded).
	Notice   string
	NoticeAt time.Time

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
	// AssignedTo is the phone number of the officer handling the case, "" if nobody.
	AssignedTo string
	// Agency is where a "dirujuk" case was referred to.
	Agency string
	// LastReply is the latest officer message to the resident, and when it was sent.
	LastReply   string
	LastReplyAt time.Time
	// EscalatedAt is when an untaken case was escalated to supervisors (zero if not).
	EscalatedAt time.Time
	// Service holds the service-time marks, Survey the resident's satisfaction answer.
	Service Service
	Survey  Survey
	// Version is raised by every change to the case: a change decided on the case as
	// read is written only if the version is still the one read.
	Version int64
}

// NewCase is the case a filing becomes, numbered id (drawn from the case store before
// it is written, so that the messages filed with it can name its ticket).
func NewCase(f Filing, id int64) Case {
	return Case{Filing: f, ID: id, Ticket: NewTicket(f.FiledAt, id), Status: StatusNew, UpdatedAt: f.FiledAt}
}

// Open reports whether officers still work on the case.
func (c Case) Open() bool { return c.Status.Open() }

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

// Kinds of case that are not requests for help: a resident's question for an officer
// (menu 4) and a request about their own data (HAPUS). They have tickets and go
// through the same lifecycle, but are not SLRT referrals, so the reports count them
// apart.
const (
	NeedQuestion    = "question"
	NeedDataRequest = "data_request"
)

// ForHelp reports whether the case is a request for help.
func (c Case) ForHelp() bool { return c.Need != NeedQuestion && c.Need != NeedDataRequest }

// OpenStatuses are the statuses of cases officers still work on; ClosedStatuses those
// that end a case. Go (Status.Open, Status.Closed) and SQL (OpenSQL, ClosedSQL) read
// them from here.
var (
	OpenStatuses   = []Status{StatusNew, StatusInProcess, StatusReferred}
	ClosedStatuses = []Status{StatusDone, StatusRejected}
)

// Open reports whether officers still work on a case with status s.
func (s Status) Open() bool { return slices.Contains(OpenStatuses, s) }

// Closed reports whether status ends a case.
func (s Status) Closed() bool { return slices.Contains(ClosedStatuses, s) }

// NotForHelp lists the kinds of case that are not requests for help.
var NotForHelp = []string{NeedQuestion, NeedDataRequest}
