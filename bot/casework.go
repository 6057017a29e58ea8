package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
)

// The officers' case work: every change an officer makes to a case, decided on the
// case as read and written with its audit events and pushes in one transaction, if
// nobody changed the case meanwhile (else read and decided again: store.Change).

// decision is an officer's change to a case: the update, the reply to the officer, or
// an error reply (a locales.Msg inside refusal).
type decision func(c domain.Case) (domain.CaseUpdate, locales.Msg, error)

// refusal is a change the officer cannot make, with the reply that says why.
type refusal struct{ msg locales.Msg }

func (r refusal) Error() string { return "refused: " + r.msg.Key }

// changeCase makes an officer's decision on the case as read (store.Change). Scope is
// checked on that same read.
func (e *desk) changeCase(ctx context.Context, o domain.Officer, ticket string, decide decision) []locales.Msg {
	var reply locales.Msg
	_, err := e.changeBounded(ctx, ticket, func(c domain.Case) (domain.CaseUpdate, error) {
		if !o.Covers(c.Kecamatan) {
			return domain.CaseUpdate{}, refusal{locales.M("officer.out_of_scope", "Ticket", c.Ticket, "Kecamatan", c.Kecamatan)}
		}
		u, msg, err := decide(c)
		reply = msg
		return u, err
	})
	var r refusal
	switch {
	case errors.As(err, &r):
		return []locales.Msg{r.msg}
	case errors.Is(err, store.ErrNotFound):
		return []locales.Msg{locales.M("officer.not_found", "Ticket", ticket)}
	case errors.Is(err, store.ErrConflict):
		e.log.Error("case change gave up: the case kept changing under it", "ticket", ticket, "err", err)
		return []locales.Msg{locales.M("officer.system")}
	case err != nil:
		e.log.Error("case change refused by the database", "ticket", ticket, "err", err)
		return []locales.Msg{locales.M("officer.system")}
	}
	return []locales.Msg{reply}
}

func closedRefusal(c domain.Case) error {
	return refusal{locales.M("officer.closed", "Ticket", c.Ticket, "Status", string(c.Status))}
}

// takenByOther refuses a petugas's change of a case another officer has: one officer
// speaks to a resident about a case, and the resident is not answered twice. A
// supervisor moves the case (ALIH).
func (e *desk) takenByOther(o domain.Officer, c domain.Case) error {
	if o.Oversees() {
		return nil
	}
	return e.heldBy(c, o.Phone)
}

// heldBy refuses a case assigned to someone other than phone, saying who has it.
func (e *desk) heldBy(c domain.Case, phone string) error {
	if c.AssignedTo == "" || c.AssignedTo == phone {
		return nil
	}
	who := c.AssignedTo
	if name, ok := e.officers.name(c.AssignedTo); ok {
		who = name
	}
	return refusal{locales.M("officer.taken_by", "Ticket", c.Ticket, "Officer", who)}
}

// take assigns the case to the officer (AMBIL); a new case becomes "diproses".
func (e *desk) take(o domain.Officer) decision {
	return func(c domain.Case) (domain.CaseUpdate, locales.Msg, error) {
		if !c.Open() {
			return domain.CaseUpdate{}, locales.Msg{}, closedRefusal(c)
		}
		// Even a supervisor's AMBIL does not take a case from its officer unseen: ALIH
		// moves it and tells both.
		if err := e.heldBy(c, o.Phone); err != nil {
			return domain.CaseUpdate{}, locales.Msg{}, err
		}
		u := domain.CaseUpdate{AssignedTo: o.Phone,
			Events: []domain.Event{{Actor: o.Phone, Kind: "assign", Note: c.AssignedTo, From: c.Status, To: c.Status}}}
		status := c.Status
		if c.Status == domain.StatusNew {
			status = domain.StatusInProcess
			u.Status = status
			u.Events = append(u.Events, domain.Event{Actor: o.Phone, Kind: "status", From: c.Status, To: status})
			u.Messages = e.statusPush(c, status, "")
		}
		return u, locales.M("officer.taken", "Ticket", c.Ticket, "Status", string(status)), nil
	}
}

// replyToResident sends an officer's message to the resident (BALAS). An unassigned
// case is assigned to the officer who answers it, so the resident's answer has
// somewhere to go.
func (e *desk) replyToResident(ctx context.Context, o domain.Officer, ticket, text string) []locales.Msg {
	text = dialogs.Clean(text)
	if text == "" {
		return []locales.Msg{locales.M("officer.need_text")}
	}
	if n := utf8.RuneCountInString(text); n > maxOfficerText {
		return []locales.Msg{locales.M("officer.too_long", "Got", n, "Max", maxOfficerText)}
	}
	return e.changeCase(ctx, o, ticket, func(c domain.Case) (domain.CaseUpdate, locales.Msg, error) {
		// A closed case can still be answered: a resident's question after the push
		// ("kenapa ditolak pak?") comes to it.
		if err := e.takenByOther(o, c); err != nil {
			return domain.CaseUpdate{}, locales.Msg{}, err
		}
		u := domain.CaseUpdate{Reply: text,
			Events:   []domain.Event{{Actor: o.Phone, Kind: "reply", Note: text}},
			Messages: []domain.OutboxMessage{e.toResident(c, locales.M("push.reply", "Ticket", c.Ticket, "Text", text))}}
		if c.AssignedTo == "" && c.Open() {
			u.AssignedTo = o.Phone
			u.Events = append(u.Events, domain.Event{Actor: o.Phone, Kind: "assign"})
		}
		if c.Need == NeedQuestion && c.Status == domain.StatusNew {
			// An answered question is being dealt with: UBAH ... selesai closes it.
			u.Status = domain.StatusInProcess
			u.Events = append(u.Events, domain.Event{Actor: o.Phone, Kind: "status", From: c.Status, To: domain.StatusInProcess})
		}
		if e.residentOf(ctx, c, false).stopped {
			return u, locales.M("officer.replied_stopped", "Ticket", c.Ticket), nil
		}
		return u, locales.M("officer.replied", "Ticket", c.Ticket), nil
	})
}

// setStatus moves a case along the lifecycle (UBAH <tiket> <status> [catatan]).
func (e *desk) setStatus(ctx context.Context, o domain.Officer, ticket, rest string) []locales.Msg {
	words := strings.Fields(rest)
	if len(words) == 0 {
		return []locales.Msg{locales.M("officer.usage_status")}
	}
	to, ok := e.statusWord(strings.ToUpper(words[0]))
	if !ok {
		return []locales.Msg{locales.M("officer.unknown_status")}
	}
	note := dialogs.Clean(strings.TrimSpace(strings.TrimPrefix(rest, words[0])))
	var agency string
	switch to {
	case domain.StatusReferred:
		if len(words) < 2 {
			return []locales.Msg{locales.M("officer.need_agency", "Agencies", agencyList())}
		}
		if agency, ok = agencyName(words[1]); !ok {
			return []locales.Msg{locales.M("officer.need_agency", "Agencies", agencyList())}
		}
		note = dialogs.Clean(strings.TrimSpace(strings.TrimPrefix(note, words[1])))
	case domain.StatusRejected:
		// The push ends the reason with its own full stop.
		note = strings.TrimRight(note, ".!")
		if note == "" {
			return []locales.Msg{locales.M("officer.need_reason")}
		}
		if n := utf8.RuneCountInString(note); n > maxReason {
			return []locales.Msg{locales.M("officer.too_long", "Got", n, "Max", maxReason)}
		}
	case domain.StatusDone:
		// The closing note goes to the resident with the push, within its two SMS.
		if n := utf8.RuneCountInString(note); n > maxReason {
			return []locales.Msg{locales.M("officer.too_long", "Got", n, "Max", maxReason)}
		}
	}
	return e.changeCase(ctx, o, ticket, func(c domain.Case) (domain.CaseUpdate, locales.Msg, error) {
		if c.Status == to {
			return domain.CaseUpdate{}, locales.Msg{}, refusal{locales.M("officer.same_status", "Ticket", c.Ticket, "Status", string(to))}
		}
		if !c.Open() {
			return domain.CaseUpdate{}, locales.Msg{}, closedRefusal(c)
		}
		if err := e.takenByOther(o, c); err != nil {
			return domain.CaseUpdate{}, locales.Msg{}, err
		}
		if err := domain.Transition(c.Status, to); err != nil {
			return domain.CaseUpdate{}, locales.Msg{}, refusal{locales.M("officer.not_allowed", "Ticket", c.Ticket,
				"From", string(c.Status), "To", string(to), "Allowed", strings.Join(domain.NextStatuses(c.Status), ", "))}
		}
		r := e.residentOf(ctx, c, e.surveyedOn(to))
		eventNote := note
		if agency != "" {
			eventNote = strings.TrimSpace(agency + " " + note)
		}
		u := domain.CaseUpdate{Status: to, Agency: agency,
			Events:   []domain.Event{{Actor: o.Phone, Kind: "status", From: c.Status, To: to, Note: eventNote}},
			Messages: e.statusPush(c, to, agencyOrReason(to, agency, note))}
		if !r.stopped && !r.erasing {
			e.askSurvey(c, to, &u)
		}
		if note != "" && (to == domain.StatusDone || to == domain.StatusRejected) {
			// The closing word or the reason reaches the resident with the push, and CEK
			// shows it afterwards.
			u.Reply = note
		}
		if c.AssignedTo == "" {
			u.AssignedTo = o.Phone
		}
		key := "officer.changed"
		if r.stopped {
			key = "officer.changed_stopped"
		}
		return u, locales.M(key, "Ticket", c.Ticket, "From", string(c.Status), "To", string(to)), nil
	})
}

// assign moves a case to another officer (ALIH <tiket> <nomor>), for supervisors and
// admins; the officer who had it and the one who has it now are told.
func (e *desk) assign(ctx context.Context, o domain.Officer, ticket, rest string) []locales.Msg {
	if !o.Oversees() {
		return []locales.Msg{locales.M("officer.assign_not_allowed")}
	}
	to, err := dialogs.ParsePhone(rest)
	if err != nil {
		return []locales.Msg{locales.M("officer.usage_assign")}
	}
	if err := e.officers.refresh(ctx); err != nil {
		e.log.Error("officer registry unavailable", "err", err)
		return []locales.Msg{locales.M("officer.system")}
	}
	target, ok := e.officers.get(to)
	if !ok || !target.Active {
		return []locales.Msg{locales.M("officer.assign_unknown", "Phone", dialogs.Shorten(rest, 20))}
	}
	return e.changeCase(ctx, o, ticket, func(c domain.Case) (domain.CaseUpdate, locales.Msg, error) {
		if !c.Open() {
			return domain.CaseUpdate{}, locales.Msg{}, closedRefusal(c)
		}
		if !target.Covers(c.Kecamatan) {
			return domain.CaseUpdate{}, locales.Msg{}, refusal{locales.M("officer.assign_out_of_scope", "Ticket", c.Ticket,
				"Officer", target.Name, "Kecamatan", c.Kecamatan)}
		}
		u := domain.CaseUpdate{AssignedTo: target.Phone,
			Events:   []domain.Event{{Actor: o.Phone, Kind: "assign", Note: c.AssignedTo + " -> " + target.Phone, From: c.Status, To: c.Status}},
			Messages: []domain.OutboxMessage{e.toOfficer(target, c.ID, locales.M("officer.assigned_to_you", "Ticket", c.Ticket, "By", o.Name))}}
		if prev, ok := e.officers.get(c.AssignedTo); ok && prev.Phone != target.Phone {
			u.Messages = append(u.Messages, e.toOfficer(prev, c.ID, locales.M("officer.assigned_away", "Ticket", c.Ticket, "Officer", target.Name)))
		}
		return u, locales.M("officer.assigned", "Ticket", c.Ticket, "Officer", target.Name), nil
	})
}

func agencyOrReason(to domain.Status, agency, note string) string {
	if to == domain.StatusReferred {
		return agency
	}
	return note
}

// viewCase shows a case in full (LIHAT); the NIK stays masked for every role: a
// message stays in the phone's inbox and the provider's logs, and whoever needs the
// full number reads it from the case database. The view itself is an audit event: who
// looked at whose data is on record.
func (e *desk) viewCase(ctx context.Context, o domain.Officer, ticket string) []locales.Msg {
	// No officer sees a NIK in full over a chat channel: what they need is whether it
	// is well formed and whether the same person asked before. The resident's last
	// message is read here, not pushed: an officer's number may have changed hands, a
	// LIHAT needs MASUK.
	return e.changeCase(ctx, o, ticket, func(c domain.Case) (domain.CaseUpdate, locales.Msg, error) {
		others := 0
		if c.NIK != "" {
			var err error
			if others, err = e.cases.CountCasesByNIK(ctx, c.NIK, c.ID); err != nil {
				e.log.Warn("cases sharing a NIK not counted", "ticket", ticket, "err", err)
			}
		}
		said, note := e.caseTrail(ctx, c.ID)
		nik := any(locales.M("intake.no_nik"))
		switch {
		case !c.NoNIK && c.NIK == "":
			nik = locales.M("officer.nik_erased") // anonymised (erasure, or the archive period)
		case !c.NoNIK:
			valid := locales.M("officer.nik_valid")
			if _, err := dialogs.ParseNIK(c.NIK, nil); err != nil {
				valid = locales.M("officer.nik_invalid")
			}
			nik = locales.M("officer.nik_checked", "NIK", dialogs.MaskNIK(c.NIK), "Valid", valid, "Others", others)
		}
		officer := any(locales.M("officer.nobody"))
		if c.AssignedTo != "" {
			officer = c.AssignedTo
			if name, ok := e.officers.name(c.AssignedTo); ok {
				officer = name
			}
		}
		noted := any("")
		if note != "" {
			noted = locales.M("officer.view_note", "Text", dialogs.Shorten(dialogs.MaskNIKs(note), maxReason))
		}
		resident := any("")
		if said != "" {
			resident = locales.M("officer.view_resident", "Text", dialogs.Shorten(dialogs.MaskNIKs(said), maxForwarded))
		}
		reply := any("")
		if c.LastReply != "" {
			reply = locales.M("officer.view_reply", "Text", dialogs.MaskNIKs(c.LastReply))
		}
		if !c.ForHelp() {
			view := locales.M("officer.view_question", "Kind", locales.M("need."+c.Need), "Ticket", c.Ticket, "Status", string(c.Status),
				"Contact", dialogs.LocalPhone(c.Contact), "Description", dialogs.MaskNIKs(c.Description),
				"Filed", e.date(locales.Default, "format.date", c.FiledAt), "Officer", officer, "Noted", noted, "Resident", resident, "Reply", reply)
			return domain.CaseUpdate{Events: []domain.Event{{Actor: o.Phone, Kind: "view"}}}, view, nil
		}
		// Who filed, when it was for someone else or from another number than the
		// contact: whom to ask too.
		var sender []string
		if c.FilerName != "" {
			sender = append(sender, c.FilerName)
		}
		if c.Filer != c.Contact {
			sender = append(sender, dialogs.LocalPhone(c.Filer))
		}
		filer := strings.Join(sender, ", ")
		view := locales.M("officer.view", "Ticket", c.Ticket, "Status", string(c.Status), "Name", c.Name,
			"Relation", locales.M("relation."+c.Relation), "NIK", nik,
			"Region", locales.M("intake.region", "Desa", c.Desa, "Kecamatan", c.Kecamatan),
			"Address", dialogs.MaskNIKs(c.Address), "Need", locales.M("need."+c.Need), "Description", dialogs.MaskNIKs(c.Description),
			"Contact", dialogs.LocalPhone(c.Contact), "Filer", filer, "Filed", e.date(locales.Default, "format.date", c.FiledAt),
			"Officer", officer, "Noted", noted, "Resident", resident, "Reply", reply)
		return domain.CaseUpdate{Events: []domain.Event{{Actor: o.Phone, Kind: "view"}}}, view, nil
	})
}

// caseTrail is the latest message a resident added to case id and the latest internal
// note of its officers ("" for none, or if the trail cannot be read now).
func (e *desk) caseTrail(ctx context.Context, id int64) (said, note string) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.CallTimeout)
	defer cancel()
	events, err := e.cases.Events(ctx, id)
	if err != nil {
		e.log.Warn("case trail not read", "err", err)
		return "", ""
	}
	for _, ev := range events {
		switch ev.Kind {
		case "resident_message":
			said = ev.Note
		case "note":
			note = ev.Note
		}
	}
	return said, note
}

// residentState is what an officer's change needs to know of the case's resident:
// whether they asked for no more messages
// (BERHENTI: the officer is told the push will not reach them, and no survey is asked),
// and, when asked for, whether their request to be erased (HAPUS) waits (no survey
// then either). A look-up that fails counts as no (the courier still holds a push to an
// opted-out resident back).
type residentState struct{ stopped, erasing bool }

func (e *desk) residentOf(ctx context.Context, c domain.Case, withErasing bool) residentState {
	var r residentState
	if c.Filer == "" {
		return r
	}
	if e.optOuts != nil {
		out, err := e.optOuts.OptedOut(ctx, c.Filer)
		r.stopped = err == nil && out
	}
	if withErasing && !r.stopped {
		cases, err := e.cases.CasesByFiler(ctx, c.Filer, myCasesLimit)
		r.erasing = err == nil && slices.ContainsFunc(cases, func(o domain.Case) bool { return o.Need == domain.NeedDataRequest && o.Open() })
	}
	return r
}
