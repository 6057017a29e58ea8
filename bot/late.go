package bot

import (
	"context"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
)

// lateCases answers TELAT: the open cases of the officer's area whose resident has
// waited longer than LateAfter without any response, the longest waiting first, and
// how many there are. Supervisors and admins see every kecamatan (and the questions,
// which have none).
func (e *desk) lateCases(ctx context.Context, o domain.Officer) []locales.Msg {
	if e.reports == nil {
		return []locales.Msg{e.officerMenu(o)}
	}
	e.audit(ctx, o.Phone, store.AuditList, "", "late "+strings.Join(scope(o), ","))
	now := e.now()
	cases, n, err := e.reports.LateCases(ctx, scope(o), now.Add(-e.cfg.LateAfter), casesPerPage)
	if err != nil {
		e.log.Error("late cases failed", "err", err)
		return []locales.Msg{locales.M("officer.system")}
	}
	limit := e.lateLimit()
	if n == 0 {
		return []locales.Msg{locales.M("officer.late_none", "Limit", limit)}
	}
	lines := make(locales.List, len(cases))
	for i, c := range cases {
		where := any(c.Desa)
		if !c.ForHelp() {
			where = locales.M("need." + c.Need)
		}
		lines[i] = locales.M("officer.late_line", "Ticket", c.Ticket, "Where", where, "Days", int(now.Sub(c.FiledAt)/(24*time.Hour)))
	}
	return []locales.Msg{locales.M("officer.late", "Limit", limit, "Count", n, "Lines", lines)}
}

// lateLimit says LateAfter in days, or hours when it is not whole days.
func (e *desk) lateLimit() locales.Msg {
	day := 24 * time.Hour
	if e.cfg.LateAfter%day == 0 {
		return locales.M("officer.late_days", "N", int(e.cfg.LateAfter/day))
	}
	return locales.M("officer.late_hours", "N", int(e.cfg.LateAfter/time.Hour))
}
