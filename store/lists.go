package store

import (
	"slices"
	"strings"
)

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

// OpenSQL and ClosedSQL select cases by those lists, in either SQL dialect.
var (
	OpenSQL   = `status IN (` + SQLList(OpenStatuses) + `)`
	ClosedSQL = `status IN (` + SQLList(ClosedStatuses) + `)`
)

// NotForHelp lists the kinds of case that are not requests for help.
var NotForHelp = []string{NeedQuestion, NeedDataRequest}

// SQLList writes values as a list of SQL string literals ('a', 'b'), so that queries
// name the fixed domain lists (statuses, kinds) from these constants.
func SQLList[T ~string](values []T) string {
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'" + strings.ReplaceAll(string(v), "'", "''") + "'")
	}
	return b.String()
}
