package bot

import (
	"context"
	"errors"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
)

// myCasesLimit keeps the list within two SMS.
const myCasesLimit = 5

// nikDigits is how many digits a NIK has: a NIK sent to CEK is never a ticket, and never
// repeated back. Tickets have 7 digits now and will not pass maxTicketDigits in any
// year the service runs; longer numbers are phone numbers or NIKs.
const (
	nikDigits       = 16
	maxTicketDigits = 10
)

// bareTicket reports whether a message that is only a number is a ticket or a NIK sent
// without CEK: seven to ten digits not starting with 0 (a phone number does), or
// sixteen.
func bareTicket(text string) bool {
	digits, ok := dialogs.BareNumber(text)
	return ok && (len(digits) == nikDigits || len(digits) <= maxTicketDigits && digits[0] != '0')
}

// status answers CEK with what was typed after it (or a bare number): a ticket's status,
// or the sender's own cases when nothing, or a NIK, was given. Cases are looked up by
// the number they were filed from, never by NIK: whoever knows a NIK learns nothing.
func (e *Engine) status(ctx context.Context, from, typed, lang string) []locales.Msg {
	if typed == "" {
		return e.myCases(ctx, from, lang)
	}
	if len(dialogs.Digits(typed)) == nikDigits {
		// A NIK, however it was written (CEK NIK 1904...): never a ticket.
		return append([]locales.Msg{locales.M("status.by_nik")}, e.myCases(ctx, from, lang)...)
	}
	return []locales.Msg{e.caseStatus(ctx, from, typed, lang)}
}

// caseStatus answers CEK <ticket>. The filer sees the status, the last update and the
// next step; anyone else only the status and the date, never personal data.
func (e *Engine) caseStatus(ctx context.Context, from, typed, lang string) locales.Msg {
	shown := dialogs.Shorten(typed, 20)
	if digits := dialogs.Digits(typed); len(digits) > maxTicketDigits {
		// Longer than any ticket: a NIK or a phone number, not repeated back whole.
		shown = channels.MaskDigits(digits)
	}
	ticket, err := domain.ParseTicket(typed)
	switch {
	case errors.Is(err, domain.ErrTicketMistyped):
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
	if c.Filer != from {
		// Someone else's ticket: only its status is shown, and the look is on record.
		e.audit(ctx, from, store.AuditStatusByOther, c.Ticket, "")
	}
	return e.caseReport(c, from, lang)
}

// caseReport is one case's status as the sender may see it.
func (e *Engine) caseReport(c domain.Case, from, lang string) locales.Msg {
	status := locales.M("status.label." + string(c.Status))
	updated := e.date(lang, "format.date", c.UpdatedAt)
	if c.Filer != from {
		return locales.M("status.case_public", "Ticket", c.Ticket, "Status", status, "Updated", updated)
	}
	agency, reply := any(""), any("")
	if c.Agency != "" && c.Status == domain.StatusReferred {
		agency = locales.M("status.more.agency", "Agency", c.Agency)
	}
	if c.LastReply != "" {
		reply = locales.M("status.more.reply", "Text", dialogs.Shorten(c.LastReply, 100))
	}
	return locales.M("status.case", "Ticket", c.Ticket, "Status", status, "Updated", updated,
		"Next", locales.M("status.next."+string(c.Status)), "AgencyNote", agency, "ReplyNote", reply)
}

// myCases answers CEK without a ticket: the sender's own cases, newest first; a single
// case's full status at once.
func (e *Engine) myCases(ctx context.Context, from, lang string) []locales.Msg {
	cases, err := e.cases.CasesByFiler(ctx, from, myCasesLimit)
	if err != nil {
		e.log.Error("case list failed", "err", err)
		return []locales.Msg{locales.M("error.system")}
	}
	switch len(cases) {
	case 0:
		return []locales.Msg{locales.M("status.none")}
	case 1:
		return []locales.Msg{e.caseReport(cases[0], from, lang)}
	}
	lines := make(locales.List, len(cases))
	for i, c := range cases {
		lines[i] = locales.M("status.line", "Ticket", c.Ticket,
			"Status", locales.M("status.label."+string(c.Status)),
			"Date", e.date(lang, "format.day", c.UpdatedAt))
	}
	return []locales.Msg{locales.M("status.list", "Lines", lines)}
}

func (e *shared) date(lang, format string, t time.Time) string {
	return t.In(e.cfg.Zone).Format(e.catalog.Format(lang, format))
}
