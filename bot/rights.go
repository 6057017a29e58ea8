package bot

import (
	"context"
	"strings"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/locales"
)

// NeedDataRequest marks a case that is a resident's request to have their data erased
// (HAPUS): officers see it in KASUS, do what it asks, and close it with UBAH, like a
// question. Such cases, and questions, are not requests for help (domain.Case.ForHelp):
// they have no desa, NIK or kind of help of their own.
const NeedDataRequest = domain.NeedDataRequest

// dataCases is how many of a number's cases DATA and HAPUS look at.
const dataCases = 5

// myData tells a resident, on their own number, what is held about them (DATA): their
// cases with the name and NIK masked, and whether an unfinished intake is kept. In the
// middle of an intake the open question follows.
func (e *Engine) myData(ctx context.Context, s *session, from string) []locales.Msg {
	cases, err := e.cases.CasesByFiler(ctx, from, dataCases)
	if err != nil {
		e.log.Error("cases by filer failed", "err", err)
		return []locales.Msg{locales.M("error.system")}
	}
	var lines locales.List
	for _, c := range cases {
		if !c.ForHelp() {
			lines = append(lines, locales.M("privacy.data_other", "Ticket", c.Ticket, "Need", locales.M("need."+c.Need),
				"Status", locales.M("status.label."+string(c.Status))))
			continue
		}
		nik := any(locales.M("intake.no_nik"))
		if !c.NoNIK {
			nik = dialogs.MaskNIK(c.NIK)
		}
		lines = append(lines, locales.M("privacy.data_case", "Ticket", c.Ticket, "Status", locales.M("status.label."+string(c.Status)),
			"Name", maskName(c.Name), "NIK", nik))
	}
	st := &s.Dialog
	draft := st.Answers != dialogs.Answers{}
	msgs := []locales.Msg{locales.M("privacy.data", "Cases", lines, "Draft", draft)}
	if len(lines) == 0 && !draft {
		msgs = []locales.Msg{locales.M("privacy.data_none")}
	}
	if st.InIntake() {
		msgs = append(msgs, e.intake.Prompt(st))
	}
	return msgs
}

// askErase answers HAPUS: with nothing to erase it says so; otherwise it asks once,
// as BATAL does, since an elderly resident may type "hapus" to change one answer.
func (e *Engine) askErase(ctx context.Context, s *session, from string) []locales.Msg {
	filed, _, err := e.filedForErasure(ctx, from)
	if err != nil {
		return []locales.Msg{locales.M("error.system")}
	}
	if len(filed) == 0 && (s.Dialog.Answers == dialogs.Answers{}) {
		return []locales.Msg{locales.M("privacy.erase_nothing")}
	}
	s.ConfirmErase = true
	return []locales.Msg{locales.M("privacy.erase_confirm", "Cases", len(filed) > 0)}
}

// filedForErasure lists the tickets of a number's cases that an erasure would cover,
// and an erasure request of theirs still open ("" if none).
func (e *Engine) filedForErasure(ctx context.Context, from string) ([]string, string, error) {
	cases, err := e.cases.CasesByFiler(ctx, from, dataCases)
	if err != nil {
		e.log.Error("cases by filer failed", "err", err)
		return nil, "", err
	}
	var tickets []string
	pending := ""
	for _, c := range cases {
		switch {
		case c.Need == NeedDataRequest && c.Open():
			pending = c.Ticket
		case c.Need != NeedDataRequest:
			tickets = append(tickets, c.Ticket)
		}
	}
	return tickets, pending, nil
}

// erase carries out a confirmed HAPUS: an unfinished intake is erased at once (a
// parked copy taken back first); filed cases are kept for the office's duty to account
// for them, so their erasure is a request an officer handles, filed as a case of its
// own that supervisors are told of (one open request at a time).
func (e *Engine) erase(ctx context.Context, s *session, in channels.Inbound) []locales.Msg {
	st := &s.Dialog
	r := dialogs.Result{}
	if st.Parked {
		r.Withdraw = st.IntakeID
	}
	if msgs, ok := e.withdraw(ctx, st, in, r); ok {
		return msgs // filed meanwhile: it is a case now, and its ticket is given
	}
	draft := st.Answers != dialogs.Answers{}
	*st = dialogs.State{Step: dialogs.StepMenu}
	tickets, pending, err := e.filedForErasure(ctx, in.From)
	switch {
	case err != nil:
		msgs := []locales.Msg{locales.M("error.system")}
		if draft {
			msgs = append([]locales.Msg{locales.M("privacy.erased_draft")}, msgs...)
		}
		return msgs
	case pending != "":
		msgs := []locales.Msg{locales.M("privacy.erase_pending", "Ticket", pending)}
		if draft {
			msgs = append([]locales.Msg{locales.M("privacy.erased_draft")}, msgs...)
		}
		return msgs
	case len(tickets) == 0:
		return []locales.Msg{locales.M("privacy.erased")}
	}
	if err := e.officers.refresh(ctx); err != nil {
		e.log.Warn("officer registry unavailable; the request is filed and escalated later", "err", err)
	}
	f := domain.Filing{
		IntakeID: in.From + "/erase/" + in.ID, Channel: in.Channel, Filer: in.From, Lang: s.Lang,
		Notice: s.Notice, NoticeAt: s.NoticeAt, Relation: "self", NoNIK: true, Need: NeedDataRequest,
		Description: e.catalog.Text(locales.Default, locales.M("privacy.erase_description", "Tickets", strings.Join(tickets, ", "))),
		Contact:     in.From, FiledAt: e.now(),
	}
	_, _, err = e.fileBounded(ctx, f, func(c domain.Case) []domain.OutboxMessage {
		out := []domain.OutboxMessage{e.toResident(c, locales.M("privacy.erase_requested", "Ticket", c.Ticket,
			"Tickets", strings.Join(tickets, ", "), "Draft", draft))}
		for _, o := range e.officers.supervisors() {
			out = append(out, e.toOfficer(o, c.ID, locales.M("officer.new_data_request", "Ticket", c.Ticket)))
		}
		return out
	})
	if err != nil {
		e.log.Error("erasure request not filed", "err", err)
		return []locales.Msg{locales.M("error.system")}
	}
	return nil // the confirmation, with the request's ticket, goes with the case
}

// maskName shows a name by its initials only ("Siti Aminah" is "S. A."), at most four:
// enough for the resident to know which case it is, nothing for someone else holding
// the phone.
func maskName(name string) string {
	words := strings.Fields(name)
	var initials []string
	for _, w := range words[:min(len(words), 4)] {
		initials = append(initials, string([]rune(w)[:1])+".")
	}
	return strings.Join(initials, " ")
}
