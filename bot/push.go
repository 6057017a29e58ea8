package bot

import (
	"context"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/locales"
)

// Pushes are rendered when they are queued, in the recipient's language, and sent by
// the courier over the channel the recipient uses: the case's channel for the
// resident, the officer's own channel for officers.

// toResident addresses a push to the resident who filed c.
func (e *shared) toResident(c domain.Case, m locales.Msg) domain.OutboxMessage {
	return domain.OutboxMessage{Channel: c.Channel, To: c.Filer, Text: e.catalog.Text(c.Lang, m), CaseID: c.ID}
}

// toOfficer addresses a push to an officer (officers read Indonesian).
func (e *shared) toOfficer(o domain.Officer, caseID int64, m locales.Msg) domain.OutboxMessage {
	return domain.OutboxMessage{Channel: o.Channel, To: o.Phone, Text: e.catalog.Text(locales.Default, m), CaseID: caseID}
}

// statusPush tells the resident what a status change means and what happens next.
func (e *shared) statusPush(c domain.Case, to domain.Status, detail string) []domain.OutboxMessage {
	var m locales.Msg
	switch to {
	case domain.StatusReferred:
		m = locales.M("push.referred", "Ticket", c.Ticket, "Agency", detail)
	case domain.StatusRejected:
		m = locales.M("push.rejected", "Ticket", c.Ticket, "Reason", detail)
	case domain.StatusDone:
		m = locales.M("push.done", "Ticket", c.Ticket)
		if detail != "" {
			m = locales.M("push.done_note", "Ticket", c.Ticket, "Note", detail)
		}
	default:
		m = locales.M("push.status", "Ticket", c.Ticket, "Status", locales.M("status.label."+string(to)),
			"Next", locales.M("status.next."+string(to)))
	}
	return []domain.OutboxMessage{e.toResident(c, m)}
}

// newCaseNotices tells the officers covering the case's kecamatan that it was filed.
// The registry is refreshed once, before the filing; the notices are written with the
// case.
func (e *shared) newCaseNotices(ctx context.Context) func(domain.Case) []domain.OutboxMessage {
	if err := e.officers.refresh(ctx); err != nil {
		e.log.Error("officer registry unavailable; new case not announced", "err", err)
	}
	return func(c domain.Case) []domain.OutboxMessage {
		var out []domain.OutboxMessage
		for _, o := range e.officers.forKecamatan(c.Kecamatan) {
			out = append(out, e.toOfficer(o, c.ID, locales.M("officer.new_case", "Ticket", c.Ticket, "Desa", c.Desa, "Need", locales.M("need."+c.Need))))
		}
		return out
	}
}
