package bot

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
)

// Pushes are rendered when they are queued, in the recipient's language, and sent by
// the courier over the channel the recipient uses: the case's channel for the
// resident, the officer's own channel for officers.

// toResident addresses a push to the resident who filed c.
func (e *Engine) toResident(c store.Case, m locales.Msg) store.OutboxMessage {
	return store.OutboxMessage{Channel: c.Channel, To: c.Filer, Text: e.catalog.Text(c.Lang, m), CaseID: c.ID}
}

// toOfficer addresses a push to an officer (officers read Indonesian).
func (e *Engine) toOfficer(o store.Officer, caseID int64, m locales.Msg) store.OutboxMessage {
	return store.OutboxMessage{Channel: o.Channel, To: o.Phone, Text: e.catalog.Text(locales.Default, m), CaseID: caseID}
}

// statusPush tells the resident what a status change means and what happens next.
func (e *Engine) statusPush(c store.Case, to store.Status, detail string) []store.OutboxMessage {
	var m locales.Msg
	switch to {
	case store.StatusReferred:
		m = locales.M("push.referred", "Ticket", c.Ticket, "Agency", detail)
	case store.StatusRejected:
		m = locales.M("push.rejected", "Ticket", c.Ticket, "Reason", detail)
	case store.StatusDone:
		m = locales.M("push.done", "Ticket", c.Ticket)
		if detail != "" {
			m = locales.M("push.done_note", "Ticket", c.Ticket, "Note", detail)
		}
	default:
		m = locales.M("push.status", "Ticket", c.Ticket, "Status", locales.M("status.label."+string(to)),
			"Next", locales.M("status.next."+string(to)))
	}
	return []store.OutboxMessage{e.toResident(c, m)}
}

// newCaseNotices tells the officers covering the case's kecamatan that it was filed.
// It runs inside the filing transaction, so it reads the officer cache only.
func (e *Engine) newCaseNotices(ctx context.Context) func(store.Case) []store.OutboxMessage {
	if err := e.officers.refresh(ctx); err != nil {
		e.log.Error("officer registry unavailable; new case not announced", "err", err)
	}
	return func(c store.Case) []store.OutboxMessage {
		var out []store.OutboxMessage
		for _, o := range e.officers.forKecamatan(c.Kecamatan) {
			out = append(out, e.toOfficer(o, c.ID, locales.M("officer.new_case", "Ticket", c.Ticket, "Desa", c.Desa, "Need", locales.M("need."+c.Need))))
		}
		return out
	}
}

// AlertSupervisors queues m for every active supervisor and admin, in the outbox: the
// alerts of the service itself (a silent SMS modem), which belong to no case. Those
// whose channel is avoid (the channel the alert is about) are skipped, unless nobody
// is on another channel: then it waits in the outbox for that channel to come back.
func (e *Engine) AlertSupervisors(ctx context.Context, m locales.Msg, avoid string) (int, error) {
	if e.outbox == nil {
		return 0, errors.New("bot: no outbox for alerts")
	}
	if err := e.officers.refresh(ctx); err != nil {
		return 0, err
	}
	var elsewhere, all []store.OutboxMessage
	for _, o := range e.officers.supervisors() {
		msg := e.toOfficer(o, 0, m)
		all = append(all, msg)
		if o.Channel != avoid {
			elsewhere = append(elsewhere, msg)
		}
	}
	if len(elsewhere) > 0 {
		all = elsewhere
	}
	if len(all) == 0 {
		return 0, nil
	}
	return len(all), e.outbox.Enqueue(ctx, all, e.now())
}

// Escalate sends every case nobody has taken within after to the supervisors, once.
// silakso serve runs it every minute; instances may run it at the same time.
func (e *Engine) Escalate(ctx context.Context, after time.Duration) (int, error) {
	now := e.now()
	if err := e.officers.refresh(ctx); err != nil {
		return 0, err
	}
	return e.cases.EscalateUnassigned(ctx, now.Add(-after), now, func(c store.Case) []store.OutboxMessage {
		var out []store.OutboxMessage
		for _, o := range e.officers.supervisors() {
			m := locales.M("officer.escalated", "Ticket", c.Ticket, "Desa", c.Desa, "Kecamatan", c.Kecamatan)
			if !c.ForHelp() {
				// A question or a data request has no desa: it is named by its kind.
				m = locales.M("officer.escalated_other", "Ticket", c.Ticket, "Need", locales.M("need."+c.Need))
			}
			out = append(out, e.toOfficer(o, c.ID, m))
		}
		return out
	})
}

// threadWindow is how long after an officer's reply, or after a case was closed, a
// resident's free text is taken as being about that case.
const threadWindow = 7 * 24 * time.Hour

// maxForwarded cuts a resident's last message shown in LIHAT to two SMS.
const maxForwarded = maxOfficerText

// threadCase finds the case a resident's free text is about: their open case with the
// latest officer reply within threadWindow (any answer to the officer, "ya" too), else,
// for a sentence, their latest case if it is open or was closed within threadWindow
// ("kenapa ditolak pak?" after the push; a greeting alone gets the menu).
func (e *Engine) threadCase(ctx context.Context, from, text string) (store.Case, bool) {
	if c, err := e.cases.LatestRepliedCase(ctx, from, e.now().Add(-threadWindow)); err == nil {
		return c, true
	}
	if len(strings.Fields(text)) < 2 || e.intake.IsGreeting(text) {
		// A word, or "selamat pagi", with no officer's message to answer: the menu.
		return store.Case{}, false
	}
	cases, err := e.cases.CasesByFiler(ctx, from, 1)
	if err != nil || len(cases) == 0 {
		return store.Case{}, false
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
	recipients := e.officers.forKecamatan(c.Kecamatan)
	if handler, ok, _ := e.officers.active(ctx, c.AssignedTo); ok {
		recipients = []store.Officer{handler}
	}
	_, err := e.cases.UpdateCase(ctx, c.Ticket, e.now(), func(c store.Case) (store.CaseUpdate, error) {
		u := store.CaseUpdate{Events: []store.Event{{Actor: in.From, Kind: "resident_message", Note: text}},
			Messages: []store.OutboxMessage{{Channel: in.Channel, To: in.From, CaseID: c.ID,
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
