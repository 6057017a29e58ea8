package domain

import "time"

// CaseUpdate is one change to a case, decided on the case as read and written by the
// case store with its events and messages in one transaction.
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
	// RemindSurvey records that the one reminder of an open survey goes out with it;
	// Escalate that the untaken case was escalated to supervisors. Each is marked once.
	RemindSurvey bool
	Escalate     bool
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
	if u.Escalate && c.EscalatedAt.IsZero() {
		c.EscalatedAt = at
	}
	c.Service = c.Service.mark(u, at)
	c.Survey = c.Survey.mark(u, at)
	return c
}
