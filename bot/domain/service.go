package domain

import "time"

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
