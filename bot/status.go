package bot

import (
	"context"
	"errors"
	"time"

	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
)

// myCasesLimit keeps the list within two SMS.
const myCasesLimit = 5

// caseStatus answers CEK <ticket>. The filer sees the status, the last update and the
// next step; anyone else only the status and the date, never personal data.
func (e *Engine) caseStatus(ctx context.Context, from, typed, lang string) locales.Msg {
	shown := dialogs.Shorten(typed, 20)
	ticket, err := store.ParseTicket(typed)
	switch {
	case errors.Is(err, store.ErrTicketMistyped):
		return locales.M("status.mistyped", "Ticket", shown)
	case err != nil:
		return locales.M("status.not_found", "Ticket", shown)
	}
	c, err := e.cases.CaseByTicket(ctx, ticket)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return locales.M("status.not_found", "Ticket", ticket)
	case err != nil:
		e.log.Error("status lookup failed", "err", err)
		return locales.M("error.system")
	}
	status := locales.M("status.label." + string(c.Status))
	updated := e.date(lang, "format.date", c.UpdatedAt)
	if c.Filer != from {
		return locales.M("status.case_public", "Ticket", c.Ticket, "Status", status, "Updated", updated)
	}
	agency, reply := any(""), any("")
	if c.Agency != "" && c.Status == store.StatusReferred {
		agency = locales.M("status.more.agency", "Agency", c.Agency)
	}
	if c.LastReply != "" {
		reply = locales.M("status.more.reply", "Text", dialogs.Shorten(c.LastReply, 100))
	}
	return locales.M("status.case", "Ticket", c.Ticket, "Status", status, "Updated", updated,
		"Next", locales.M("status.next."+string(c.Status)), "AgencyNote", agency, "ReplyNote", reply)
}

// myCases answers CEK without a ticket: the sender's own cases, newest first.
func (e *Engine) myCases(ctx context.Context, from, lang string) []locales.Msg {
	cases, err := e.cases.CasesByFiler(ctx, from, myCasesLimit)
	if err != nil {
		e.log.Error("case list failed", "err", err)
		return []locales.Msg{locales.M("error.system")}
	}
	if len(cases) == 0 {
		return []locales.Msg{locales.M("status.none")}
	}
	lines := make(locales.List, len(cases))
	for i, c := range cases {
		lines[i] = locales.M("status.line", "Ticket", c.Ticket,
			"Status", locales.M("status.label."+string(c.Status)),
			"Date", e.date(lang, "format.day", c.UpdatedAt))
	}
	return []locales.Msg{locales.M("status.list", "Lines", lines)}
}

func (e *Engine) date(lang, format string, t time.Time) string {
	return t.In(e.cfg.Zone).Format(e.catalog.Format(lang, format))
}
