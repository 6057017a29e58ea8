package bot

import (
	"context"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/locales"
)

// threadWindow is how long after an officer's reply, or after a case was closed, a
// resident's free text is taken as being about that case.
const threadWindow = 7 * 24 * time.Hour

// maxForwarded cuts a resident's last message shown in LIHAT to two SMS.
const maxForwarded = maxOfficerText

// threadCase finds the case a resident's free text is about: their open case with the
// latest officer reply within threadWindow (any answer to the officer, "ya" too), else,
// for a sentence, their latest case if it is open or was closed within threadWindow
// ("kenapa ditolak pak?" after the push; a greeting alone gets the menu).
func (e *Engine) threadCase(ctx context.Context, from, text string) (domain.Case, bool) {
	if c, err := e.cases.LatestRepliedCase(ctx, from, e.now().Add(-threadWindow)); err == nil {
		return c, true
	}
	if len(strings.Fields(text)) < 2 || e.intake.IsGreeting(text) {
		// A word, or "selamat pagi", with no officer's message to answer: the menu.
		return domain.Case{}, false
	}
	cases, err := e.cases.CasesByFiler(ctx, from, 1)
	if err != nil || len(cases) == 0 {
		return domain.Case{}, false
	}
	c := cases[0]
	return c, c.Open() || e.now().Sub(c.UpdatedAt) <= threadWindow
}

// threadReply adds a resident's free text to the case it is about (threadCase),
// forwards it to the officer handling it (or, untaken, to those who would take it), and
// tells the resident, in one transaction: the resident is told their message was passed
// on exactly when it was. It returns false when there is no such case.
func (e *Engine) threadReply(ctx context.Context, in channels.Inbound, lang, text string) ([]locales.Msg, bool) {
	c, ok := e.threadCase(ctx, in.From, text)
	if !ok {
		return nil, false
	}
	if err := e.officers.refresh(ctx); err != nil {
		e.log.Warn("officer registry unavailable; the resident's message is kept with the case", "err", err)
	}
	_, err := e.changeBounded(ctx, c.Ticket, func(c domain.Case) (domain.CaseUpdate, error) {
		// Who is told follows the case as read for the change: taken meanwhile, the
		// message goes to the officer who took it.
		recipients := e.officers.forKecamatan(c.Kecamatan)
		if handler, ok, _ := e.officers.active(ctx, c.AssignedTo); ok {
			recipients = []domain.Officer{handler}
		}
		u := domain.CaseUpdate{Events: []domain.Event{{Actor: in.From, Kind: "resident_message", Note: text}},
			Messages: []domain.OutboxMessage{{Channel: in.Channel, To: in.From, CaseID: c.ID,
				Text: e.catalog.Text(lang, locales.M("push.passed_on", "Ticket", c.Ticket))}}}
		for _, o := range recipients {
			// Only the ticket: the words are read with LIHAT, after MASUK.
			u.Messages = append(u.Messages, e.toOfficer(o, c.ID, locales.M("officer.resident_said", "Ticket", c.Ticket)))
		}
		return u, nil
	})
	if err != nil {
		e.log.Error("resident message not added to the case", "ticket", c.Ticket, "err", err)
		return []locales.Msg{locales.M("error.system")}, true
	}
	return nil, true
}
