package bot

import (
	"context"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/locales"
)

// NeedQuestion marks a case that is a resident's question for an officer (menu 4), not
// a request for help: it has a ticket, is listed by KASUS, answered with BALAS and
// closed with UBAH like any case, so nothing a resident asks is lost.
const NeedQuestion = domain.NeedQuestion

// officeContact is how to reach the office, with its own contact when configured.
func (e *Engine) officeContact() locales.Msg {
	o := e.cfg.Office
	if o == (Office{}) {
		return locales.M("menu.contact")
	}
	return locales.M("menu.contact_office", "Call", o.Phone, "Hours", o.Hours, "Where", o.Address)
}

// question passes a resident's question to an officer: into the case it is about when
// there is one (threadReply), else as a question case of its own, which the supervisors
// hear of and see in KASUS (it has no kecamatan, so no petugas's area covers it). The
// resident's confirmation, with the ticket, is written with it and sent by the outbox.
func (e *Engine) question(ctx context.Context, s *session, in channels.Inbound, text string) []locales.Msg {
	if msgs, ok := e.threadReply(ctx, in, s.Lang, text); ok {
		return msgs
	}
	if err := e.officers.refresh(ctx); err != nil {
		e.log.Warn("officer registry unavailable; the question is filed and escalated later", "err", err)
	}
	f := domain.Filing{
		IntakeID: in.From + "/question/" + in.ID, Channel: in.Channel, Filer: in.From, Lang: s.Lang,
		Notice: s.Notice, NoticeAt: s.NoticeAt,
		Relation: "self", NoNIK: true, Need: NeedQuestion, Description: text, Contact: in.From, FiledAt: e.now(),
	}
	_, _, err := e.fileBounded(ctx, f, func(c domain.Case) []domain.OutboxMessage {
		out := []domain.OutboxMessage{e.toResident(c, locales.M("push.question_filed", "Ticket", c.Ticket))}
		officers := e.officers.forKecamatan(c.Kecamatan)
		if len(officers) == 0 {
			e.log.Warn("a resident's question has nobody to tell: register a supervisor (silakso officer add --role supervisor)", "ticket", c.Ticket)
		}
		for _, o := range officers {
			// Only the ticket: what residents write is read with LIHAT, after MASUK, not in
			// an SMS to a number that may have changed hands.
			out = append(out, e.toOfficer(o, c.ID, locales.M("officer.new_question", "Ticket", c.Ticket)))
		}
		return out
	})
	if err != nil {
		e.log.Error("question not filed", "err", err)
		e.intake.ToHuman(&s.Dialog) // back at the question: it is asked again, not lost
		return []locales.Msg{locales.M("error.system")}
	}
	return nil
}
