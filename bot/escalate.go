package bot

import (
	"context"
	"errors"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
)

// AlertSupervisors queues m for every active supervisor and admin, in the outbox: the
// alerts of the service itself (a silent SMS modem), which belong to no case. Those
// whose channel is avoid (the channel the alert is about) are skipped, unless nobody
// is on another channel: then it waits in the outbox for that channel to come back.
func (e *workers) AlertSupervisors(ctx context.Context, m locales.Msg, avoid string) (int, error) {
	if e.outbox == nil {
		return 0, errors.New("bot: no outbox for alerts")
	}
	if err := e.officers.refresh(ctx); err != nil {
		return 0, err
	}
	var elsewhere, all []domain.OutboxMessage
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
func (e *workers) Escalate(ctx context.Context, after time.Duration) (int, error) {
	now := e.now()
	if err := e.officers.refresh(ctx); err != nil {
		return 0, err
	}
	return store.Escalate(ctx, e.cases, now.Add(-after), now, func(c domain.Case) []domain.OutboxMessage {
		var out []domain.OutboxMessage
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
