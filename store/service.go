package store

import (
	"strings"
	"time"
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

// Closed reports whether status ends a case.
func (s Status) Closed() bool { return s == StatusDone || s == StatusRejected }

// Service is when the office first did something about a case, first told the
// resident something, and closed it (zero: not yet): the service-time figures, kept
// with the case so that a report over many cases is a scan of one table.
type Service struct {
	ActedAt     time.Time
	RespondedAt time.Time
	ClosedAt    time.Time
}

// Late reports whether the resident waited longer than within for the first response
// (still waiting at now counts).
func (s Service) Late(filed, now time.Time, within time.Duration) bool {
	if s.RespondedAt.IsZero() {
		return now.Sub(filed) > within
	}
	return s.RespondedAt.Sub(filed) > within
}

// officerActions are the events that are an officer's work on a case: taking or
// moving it, a status, a reply, an internal note. A look (LIHAT) is not, nor is
// anything the resident or the system adds.
var officerActions = map[string]bool{"assign": true, "status": true, "reply": true, "note": true}

// mark fills in the service times an update makes: any officer action is the first
// action; every status change and every reply reaches the resident (they are pushed),
// so either is the first response; a closing status closes.
func (s Service) mark(u CaseUpdate, at time.Time) Service {
	acted := u.Status != "" || u.AssignedTo != "" || u.Agency != "" || u.Reply != ""
	for _, e := range u.Events {
		acted = acted || officerActions[e.Kind]
	}
	if acted && s.ActedAt.IsZero() {
		s.ActedAt = at
	}
	if (u.Status != "" || u.Reply != "") && s.RespondedAt.IsZero() {
		s.RespondedAt = at
	}
	if u.Status.Closed() && s.ClosedAt.IsZero() {
		s.ClosedAt = at
	}
	return s
}

// Survey is the resident's satisfaction answer about a closed case (IKM, Permenpan RB
// 14/2017, one element): asked once when the case closed, reminded at most once.
type Survey struct {
	AskedAt    time.Time
	RemindedAt time.Time
	// Score is 1 (tidak baik) to 4 (sangat baik), 0 before an answer.
	Score      int
	AnsweredAt time.Time
	// Comment is the resident's optional words after the score (sealed like their
	// other messages).
	Comment string
}

// Survey scores.
const (
	ScoreMin = 1
	ScoreMax = 4
)

// Open reports whether the survey was asked and waits for a score.
func (s Survey) Open() bool { return !s.AskedAt.IsZero() && s.Score == 0 }

// LastAsked is when the resident was last asked (the reminder, else the question).
func (s Survey) LastAsked() time.Time {
	if s.RemindedAt.After(s.AskedAt) {
		return s.RemindedAt
	}
	return s.AskedAt
}

func (s Survey) mark(u CaseUpdate, at time.Time) Survey {
	if u.AskSurvey && s.AskedAt.IsZero() {
		s.AskedAt = at
	}
	if u.SurveyScore >= ScoreMin && u.SurveyScore <= ScoreMax && s.Open() {
		s.Score, s.AnsweredAt = u.SurveyScore, at
	}
	if u.SurveyComment != "" && s.Score != 0 && s.Comment == "" {
		s.Comment = u.SurveyComment
	}
	return s
}

// OpenStatuses are the statuses of cases officers still work on.
var OpenStatuses = []Status{StatusNew, StatusInProcess, StatusReferred}

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
