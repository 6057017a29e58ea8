package bot

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
)

// summaryHour is when, on the first of a month (local time), last month's summary
// goes out: office hours, not midnight.
const summaryHour = 8

// MonthlySummary queues last month's figures for every active supervisor and admin
// who asked for them (silakso officer summary), on their own channel, within two SMS.
// silakso serve runs it every minute; it sends from the first of the month at 08.00,
// once per month across every instance (a later start in the month still sends it).
// It reports whether it sent.
func (e *workers) MonthlySummary(ctx context.Context) (bool, error) {
	if e.reports == nil {
		return false, nil
	}
	now := e.now().In(e.cfg.Zone)
	this := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, e.cfg.Zone)
	if now.Before(this.Add(summaryHour * time.Hour)) {
		return false, nil
	}
	month := this.AddDate(0, -1, 0).Format("2006-01")
	e.summaryMu.Lock()
	done := e.summarySent == month
	e.summaryMu.Unlock()
	if done {
		return false, nil
	}
	if err := e.officers.refresh(ctx); err != nil {
		return false, err
	}
	var to []domain.Officer
	for _, o := range e.officers.supervisors() {
		if o.MonthlySummary {
			to = append(to, o)
		}
	}
	if len(to) == 0 {
		return false, nil
	}
	q := store.ReportQuery{From: this.AddDate(0, -1, 0), To: this, Zone: e.cfg.Zone, LateAfter: e.cfg.LateAfter, Now: now}
	m, err := e.summary(ctx, q)
	if err != nil {
		return false, err
	}
	msgs := make([]domain.OutboxMessage, len(to))
	for i, o := range to {
		msgs[i] = e.toOfficer(o, 0, m)
	}
	sent, err := e.reports.EnqueueOnce(ctx, "summary/"+month, msgs, e.now())
	if err == nil {
		// Sent now, or by another instance before: either way done for the month.
		e.summaryMu.Lock()
		e.summarySent = month
		e.summaryMu.Unlock()
	}
	return sent, err
}

// summary is the month's figures in one message: requests for help and what became
// of them, late ones, the median first response, other contacts and the IKM.
func (e *workers) summary(ctx context.Context, q store.ReportQuery) (locales.Msg, error) {
	byStatus, err := e.reports.Tally(ctx, q, store.ByStatus)
	if err != nil {
		return locales.Msg{}, err
	}
	other, err := e.reports.Tally(ctx, q, store.ByOther)
	if err != nil {
		return locales.Msg{}, err
	}
	times, err := e.reports.ServiceTimes(ctx, q)
	if err != nil {
		return locales.Msg{}, err
	}
	survey, err := e.reports.SurveyTally(ctx, q)
	if err != nil {
		return locales.Msg{}, err
	}
	all, others := store.Sum(byStatus), store.Sum(other)
	response := any("-")
	if times.ToResponse.N > 0 {
		response = e.span(times.ToResponse.Median)
	}
	ikm := any(locales.M("officer.summary_no_ikm"))
	if index, ok := survey.IKM(); ok {
		ikm = locales.M("officer.summary_ikm", "Index", e.decimal(locales.Default, index), "Grade", store.IKMGrade(index), "Answers", survey.Answered)
	}
	return locales.M("officer.summary", "Month", q.From.Format("01/2006"), "Requests", all.Cases, "Done", all.Done,
		"Rejected", all.Rejected, "Open", all.Open, "Late", all.Late, "Response", response, "Other", others.Cases, "IKM", ikm), nil
}

// span says a duration in hours under two days, else in days.
func (e *workers) span(d time.Duration) locales.Msg {
	if d < 48*time.Hour {
		return locales.M("officer.late_hours", "N", int((d+time.Hour/2)/time.Hour))
	}
	return locales.M("officer.late_days", "N", int((d+12*time.Hour)/(24*time.Hour)))
}

// decimal writes an index with two decimals and the language's decimal mark.
func (e *workers) decimal(lang string, v float64) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', 2, 64), ".", e.catalog.Format(lang, "format.decimal_mark"), 1)
}
