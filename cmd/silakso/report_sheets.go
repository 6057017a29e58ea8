package main

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
)

// What a report holds, sheet by sheet, the same whatever the output: the formats
// (report_table.go, report_csv.go, report_xlsx.go) only lay the rows out.

// reportSink receives a report sheet by sheet and row by row. A cell is a string, an
// int, a fixed or nil (empty).
type reportSink interface {
	beginSheet(s sheetSpec) error
	row(cells []any) error
	endSheet() error
	// finish completes the output once every sheet is written; discard drops what was
	// begun after a failure.
	finish() error
	discard()
}

// sheetSpec names a sheet and its columns.
type sheetSpec struct {
	name   string
	header []string
	// widths are column widths in characters, for the formats that have them.
	widths []float64
}

// fixed is a number shown with a fixed number of decimals (hours with one, the IKM
// with two): a number in a workbook, the same digits in text.
type fixed struct {
	v      float64
	places int
}

func (f fixed) String() string { return strconv.FormatFloat(f.v, 'f', f.places, 64) }

// rounded is the value as shown, so that a workbook computes with what it displays.
func (f fixed) rounded() float64 {
	p := math.Pow10(f.places)
	return math.Round(f.v*p) / p
}

// cellText is a cell as text, for the text formats.
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case fixed:
		return v.String()
	}
	return fmt.Sprint(v)
}

// dateTimeLayout is how a report writes a moment: text in WIB, the same in every
// format, sorting as it reads.
const dateTimeLayout = "2006-01-02 15:04"

// none stands for a figure that has no value (a median of no cases, an IKM nobody gave).
const none = "-"

// reportLabels renders the report's words from the catalogs.
type reportLabels struct {
	catalog *locales.Catalog
	lang    string
}

func (l reportLabels) text(key string, kv ...any) string {
	return l.catalog.Text(l.lang, locales.M(key, kv...))
}

// label is the catalog's label of a stored value (need.food, status.label.baru), or
// the value itself when the catalog has none (a kind of relation no intake offers).
func (l reportLabels) label(prefix, value string) string {
	if value == "" {
		return ""
	}
	if s := l.text(prefix + value); s != prefix+value {
		return s
	}
	return value
}

func (l reportLabels) columns(keys ...string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = l.text("report.col_" + k)
	}
	return out
}

// reportContent turns the figures and the cases into sheets.
type reportContent struct {
	labels  reportLabels
	figures reportFigures
}

// caseSource lists the cases of a period a page at a time (store.EachCase reads them).
type caseSource interface {
	ReportCases(ctx context.Context, q store.ReportQuery, after domain.Case, limit int) ([]domain.Case, error)
}

// writeReport writes every sheet in report order: the summary, one sheet per
// breakdown, the cases, and the late ones among them.
func writeReport(ctx context.Context, sink reportSink, r reportContent, cases caseSource) error {
	if err := writeSheet(sink, r.summarySheet()); err != nil {
		return err
	}
	for _, by := range store.Breakdowns {
		if err := writeSheet(sink, r.breakdownSheet(by)); err != nil {
			return err
		}
	}
	late, comments, err := r.writeCases(ctx, sink, cases)
	if err != nil {
		return err
	}
	if err := writeSheet(sink, late); err != nil {
		return err
	}
	return writeSheet(sink, comments)
}

// sheet is a sheet held whole: every one but the cases is a handful of lines.
type sheet struct {
	spec sheetSpec
	rows [][]any
}

func writeSheet(sink reportSink, s sheet) error {
	if err := sink.beginSheet(s.spec); err != nil {
		return err
	}
	for _, r := range s.rows {
		if err := sink.row(r); err != nil {
			return err
		}
	}
	return sink.endSheet()
}

// hours is a duration in hours, with one decimal.
func hours(d time.Duration) fixed { return fixed{d.Hours(), 1} }

// summarySheet is the period's figures on one page: measure, value, note.
func (r reportContent) summarySheet() sheet {
	l, f, q := r.labels, r.figures, r.figures.Query
	s := sheet{spec: sheetSpec{name: l.text("report.sheet_summary"), header: l.columns("measure", "value", "note"), widths: []float64{48, 28, 44}}}
	add := func(measure string, value any, note string) { s.rows = append(s.rows, []any{measure, value, note}) }

	lastDay := q.To.In(reportZone).AddDate(0, 0, -1)
	add(l.text("report.period"), l.text("report.period_value", "From", q.From.In(reportZone).Format(time.DateOnly), "To", lastDay.Format(time.DateOnly)), "")
	add(l.text("report.made"), q.Now.In(reportZone).Format(dateTimeLayout+" MST"), l.text("report.made_note"))
	add(l.text("report.requests"), f.Total.Cases, "")
	add(l.text("report.col_open"), f.Total.Open, "")
	add(l.text("report.col_done"), f.Total.Done, "")
	add(l.text("report.col_rejected"), f.Total.Rejected, "")
	add(l.text("report.col_late"), f.Total.Late, r.lateRule())
	// Questions and data requests are contacts too, but not SLRT referrals: counted
	// apart, every kind always listed so that months compare line by line.
	other := map[string]int{}
	for _, t := range f.By[store.ByOther] {
		other[t.Key] += t.Cases
	}
	for _, kind := range domain.NotForHelp {
		add(l.label("need.", kind), other[kind], l.text("report.other_note"))
	}
	for _, m := range []struct {
		key    string
		spread store.Spread
	}{{"to_action", f.Times.ToAction}, {"to_response", f.Times.ToResponse}, {"to_closure", f.Times.ToClosure}} {
		measure := locales.M("report." + m.key)
		var median, p90 any = none, none
		if m.spread.N > 0 {
			median, p90 = hours(m.spread.Median), hours(m.spread.P90)
		}
		add(l.text("report.time_n", "Measure", measure), m.spread.N, "")
		add(l.text("report.time_median", "Measure", measure), median, "")
		add(l.text("report.time_p90", "Measure", measure), p90, "")
	}
	add(l.text("report.survey_asked"), f.Survey.Asked, "")
	add(l.text("report.survey_answered"), f.Survey.Answered, "")
	if index, ok := f.Survey.IKM(); ok {
		grade := store.IKMGrade(index)
		add(l.text("report.ikm"), fixed{index, 2}, l.text("report.ikm_note"))
		add(l.text("report.ikm_grade"), grade, l.text("report.grade_"+strings.ToLower(grade)))
	} else {
		add(l.text("report.ikm"), none, l.text("report.ikm_note"))
		add(l.text("report.ikm_grade"), none, "")
	}
	return s
}

// lateRule says what counts as late, in days when it is whole days.
func (r reportContent) lateRule() string {
	after := r.figures.Query.LateAfter
	if after%(24*time.Hour) == 0 {
		return r.labels.text("report.late_rule_days", "Days", int(after/(24*time.Hour)))
	}
	return r.labels.text("report.late_rule_hours", "Hours", strconv.FormatFloat(after.Hours(), 'f', -1, 64))
}

// breakdownSheet is one breakdown's lines: what they are grouped by, then the counts.
func (r reportContent) breakdownSheet(by store.Breakdown) sheet {
	l := r.labels
	var keyCols []string
	var widths []float64
	var key func(store.Tally) []any
	switch by {
	case store.ByMonth:
		keyCols, widths, key = []string{"month"}, []float64{10}, func(t store.Tally) []any { return []any{t.Key} }
	case store.ByKecamatan:
		keyCols, widths, key = []string{"kecamatan"}, []float64{20}, func(t store.Tally) []any { return []any{t.Key} }
	case store.ByDesa:
		// In the cases sheet's order: where it is, then its code.
		keyCols, widths = []string{"kecamatan", "desa", "desa_code"}, []float64{20, 24, 16}
		key = func(t store.Tally) []any { return []any{t.Group, t.Name, t.Key} }
	case store.ByNeed:
		keyCols, widths, key = []string{"need"}, []float64{24}, func(t store.Tally) []any { return []any{l.label("need.", t.Key)} }
	case store.ByChannel:
		keyCols, widths, key = []string{"channel"}, []float64{12}, func(t store.Tally) []any { return []any{t.Key} }
	case store.ByRelation:
		keyCols, widths, key = []string{"relation"}, []float64{20}, func(t store.Tally) []any { return []any{l.label("relation.", t.Key)} }
	case store.ByStatus:
		keyCols, widths, key = []string{"status"}, []float64{26}, func(t store.Tally) []any { return []any{l.label("status.label.", t.Key)} }
	case store.ByOfficer:
		keyCols, widths = []string{"officer", "officer_phone"}, []float64{28, 16}
		key = func(t store.Tally) []any { return []any{r.officerName(t.Key, false), t.Key} }
	case store.ByOther:
		keyCols, widths, key = []string{"other"}, []float64{24}, func(t store.Tally) []any { return []any{l.label("need.", t.Key)} }
	default:
		// A breakdown added to the store before it has its own columns here.
		keyCols, widths, key = []string{string(by)}, []float64{20}, func(t store.Tally) []any { return []any{t.Key} }
	}
	header := append(l.columns(keyCols...), l.columns("cases", "open", "done", "rejected", "late")...)
	s := sheet{spec: sheetSpec{name: l.text("report.sheet_" + string(by)), header: header, widths: append(widths, 10, 10, 10, 10, 11)}}
	for _, t := range r.figures.By[by] {
		s.rows = append(s.rows, append(key(t), t.Cases, t.Open, t.Done, t.Rejected, t.Late))
	}
	return s
}

// officerName is who an officer's number belongs to: their name; for a number the
// registry does not know, the number itself where no other column shows it; for no
// number, "not taken".
func (r reportContent) officerName(phone string, numberIfUnknown bool) string {
	if phone == "" {
		return r.labels.text("report.not_taken")
	}
	if name, ok := r.figures.Officers[phone]; ok && name != "" {
		return name
	}
	if numberIfUnknown {
		return phone
	}
	return ""
}

// writeCases streams the period's requests for help into the cases sheet, one row
// each, and keeps the late ones (a few fields each) and the survey comments for the
// sheets that follow. The cases come a page at a time (store.EachCase), and the rows
// are written between the reads.
func (r reportContent) writeCases(ctx context.Context, sink reportSink, cases caseSource) (late, comments sheet, err error) {
	l, q := r.labels, r.figures.Query
	yes, no := l.text("report.yes"), l.text("report.no")
	noNIK := l.text("report.no_nik")
	spec := sheetSpec{
		name: l.text("report.sheet_cases"),
		header: l.columns("ticket", "filed", "kecamatan", "desa", "desa_code", "need", "relation", "name", "nik",
			"channel", "status", "officer", "first_response", "closed", "late", "score"),
		widths: []float64{11, 17, 16, 18, 15, 20, 16, 26, 18, 10, 22, 22, 12, 17, 10, 10},
	}
	late = sheet{spec: sheetSpec{
		name:   l.text("report.sheet_late"),
		header: l.columns("ticket", "filed", "kecamatan", "need", "officer", "waited", "responded"),
		widths: []float64{11, 17, 16, 20, 22, 12, 12},
	}}
	// What residents wrote after their score: the office's to read and act on (NIKs
	// in them were masked when they were kept).
	comments = sheet{spec: sheetSpec{
		name:   l.text("report.sheet_comments"),
		header: l.columns("ticket", "answered", "kecamatan", "officer", "score", "comment"),
		widths: []float64{11, 17, 16, 22, 10, 80},
	}}
	if err := sink.beginSheet(spec); err != nil {
		return late, comments, err
	}
	var sinkErr error
	err = store.EachCase(ctx, cases, q, func(c domain.Case) error {
		// Never the NIK in full, the address, the description or a resident's number:
		// the sheet goes round the office.
		var nik string
		switch {
		case c.NIK != "":
			nik = dialogs.MaskNIK(c.NIK)
		case c.NoNIK:
			nik = noNIK
		}
		var firstResponse, score any
		if !c.Service.RespondedAt.IsZero() {
			firstResponse = hours(c.Service.RespondedAt.Sub(c.FiledAt))
		}
		if c.Survey.Score > 0 {
			score = c.Survey.Score
		}
		var closed string
		if !c.Service.ClosedAt.IsZero() {
			closed = c.Service.ClosedAt.In(reportZone).Format(dateTimeLayout)
		}
		filed := c.FiledAt.In(reportZone).Format(dateTimeLayout)
		need, officer := l.label("need.", c.Need), r.officerName(c.AssignedTo, true)
		isLate := c.Service.Late(c.FiledAt, q.Now, q.LateAfter)
		lateText := no
		if isLate {
			lateText = yes
			waited, responded := q.Now.Sub(c.FiledAt), no
			if !c.Service.RespondedAt.IsZero() {
				waited, responded = c.Service.RespondedAt.Sub(c.FiledAt), yes
			}
			late.rows = append(late.rows, []any{c.Ticket, filed, c.Kecamatan, need, officer, hours(waited), responded})
		}
		if c.Survey.Comment != "" {
			comments.rows = append(comments.rows, []any{c.Ticket, c.Survey.AnsweredAt.In(reportZone).Format(dateTimeLayout),
				c.Kecamatan, officer, c.Survey.Score, c.Survey.Comment})
		}
		sinkErr = sink.row([]any{c.Ticket, filed, c.Kecamatan, c.Desa, c.DesaCode, need, l.label("relation.", c.Relation),
			c.Name, nik, c.Channel, l.label("status.label.", string(c.Status)), officer, firstResponse, closed, lateText, score})
		return sinkErr
	})
	if sinkErr != nil {
		return late, comments, sinkErr // already says where it failed
	}
	if err != nil {
		return late, comments, fmt.Errorf("cases: %w", err)
	}
	return late, comments, sink.endSheet()
}
