package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
)

// reportZone is the office's clock: periods are whole days in WIB, and every date a
// report shows is WIB, whatever zone the server runs in.
var reportZone = time.FixedZone("WIB", 7*3600)

// reportFormats are the outputs of silakso report.
var reportFormats = []string{"table", "csv", "xlsx"}

// reportOptions is a checked command line of silakso report.
type reportOptions struct {
	// From and To are the period: From included, To excluded (the day after --to).
	From, To time.Time
	Format   string
	// Out is the .xlsx file, or the folder of the CSV files ("" for table: stdout).
	Out string
}

// runReport prints or writes the office's figures for a period: a summary, the
// breakdowns, the cases and the late ones (see reportContent for the sheets).
func runReport(ctx context.Context, env func(string) string, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	now := time.Now()
	opts, err := parseReportArgs(args, now, stderr)
	if err != nil {
		return err
	}
	catalog, err := locales.Load()
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	cfg, db, err := openOperatorDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	q := store.ReportQuery{From: opts.From, To: opts.To, Zone: reportZone, LateAfter: cfg.LateAfter, Now: now}
	figures, err := gatherReport(ctx, db, q)
	if err != nil {
		return err
	}
	// The report lists residents' names: who made one, for which period and where it
	// went is on record before anything is written.
	if err := operatorAudit(ctx, db, store.AuditReport, opts.Out, opts.From.Format(time.DateOnly)+".."+
		opts.To.AddDate(0, 0, -1).Format(time.DateOnly)+" "+opts.Format); err != nil {
		return err
	}
	var sink reportSink
	switch opts.Format {
	case "csv":
		sink, err = newCSVSink(opts.Out)
	case "xlsx":
		sink, err = newXLSXSink(opts.Out)
	default:
		sink = newTableSink(stdout)
	}
	if err != nil {
		return err
	}
	content := reportContent{labels: reportLabels{catalog: catalog, lang: locales.Default}, figures: figures}
	if err := writeReport(ctx, sink, content, db); err != nil {
		sink.discard()
		return err
	}
	if err := sink.finish(); err != nil {
		return err
	}
	if opts.Out != "" {
		// The operator learns where the file went, and that it holds personal data.
		fmt.Fprintf(stderr, "report %s .. %s written to %s (names and masked NIKs: keep it to the office)\n",
			opts.From.Format(time.DateOnly), opts.To.AddDate(0, 0, -1).Format(time.DateOnly), opts.Out)
	}
	return nil
}

// parseReportArgs checks the command line before anything is opened, so that a
// mistake costs no database connection and says what to type instead, in one line.
func parseReportArgs(args []string, now time.Time, stderr io.Writer) (reportOptions, error) {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	// The flag package's own complaint comes with the whole flag list; keep it for -h
	// and give a mistake one line.
	var help bytes.Buffer
	fs.SetOutput(&help)
	from := fs.String("from", "", "first day, YYYY-MM-DD (WIB); default: the first day of last month")
	to := fs.String("to", "", "last day, YYYY-MM-DD (WIB, included); default: the last day of last month, or today with --from")
	format := fs.String("format", "table", "table (to stdout), csv (a folder of CSV files) or xlsx (one workbook)")
	out := fs.String("out", "", "where to write: the .xlsx file, or the folder for the CSV files")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			io.Copy(stderr, &help)
		}
		return reportOptions{}, usageError{err}
	}
	if fs.NArg() > 0 {
		return reportOptions{}, usageError{fmt.Errorf("unexpected argument %q: the period is given with --from and --to", fs.Arg(0))}
	}
	opts := reportOptions{Format: *format, Out: *out}
	formatGiven := false
	fs.Visit(func(f *flag.Flag) { formatGiven = formatGiven || f.Name == "format" })
	if !formatGiven && strings.EqualFold(filepath.Ext(opts.Out), ".xlsx") {
		opts.Format = "xlsx" // --out laporan.xlsx says what it wants
	}
	switch opts.Format {
	case "table":
		if opts.Out != "" {
			return opts, usageError{errors.New("--out is for csv and xlsx; the table goes to the terminal (redirect it with > FILE)")}
		}
	case "csv":
		if opts.Out == "" || strings.EqualFold(filepath.Ext(opts.Out), ".csv") {
			return opts, usageError{fmt.Errorf("--format csv needs --out FOLDER (one CSV file per sheet goes there), got %q", opts.Out)}
		}
		if st, err := os.Stat(opts.Out); err == nil && !st.IsDir() {
			return opts, usageError{fmt.Errorf("--out %s is a file; --format csv writes a folder of files", opts.Out)}
		}
	case "xlsx":
		if opts.Out == "" || !strings.EqualFold(filepath.Ext(opts.Out), ".xlsx") {
			return opts, usageError{fmt.Errorf("--format xlsx needs --out FILE.xlsx, got %q", opts.Out)}
		}
	default:
		return opts, usageError{fmt.Errorf("--format %q: use one of %s", opts.Format, strings.Join(reportFormats, ", "))}
	}
	day := func(name, value string) (time.Time, error) {
		d, err := time.ParseInLocation(time.DateOnly, value, reportZone)
		if err != nil {
			return d, usageError{fmt.Errorf("%s %q: use a date such as 2026-10-31", name, value)}
		}
		return d, nil
	}
	var err error
	switch {
	case *from == "" && *to == "":
		opts.From, opts.To = previousMonth(now)
		return opts, nil
	case *from == "":
		return opts, usageError{errors.New("--to needs --from (or give neither for last month)")}
	}
	if opts.From, err = day("--from", *from); err != nil {
		return opts, err
	}
	last := now.In(reportZone)
	if *to != "" {
		if last, err = day("--to", *to); err != nil {
			return opts, err
		}
	}
	// --to names the last day; the query wants the moment the period ends.
	opts.To = time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, reportZone)
	if !opts.From.Before(opts.To) {
		return opts, usageError{fmt.Errorf("--from %s is after --to %s", *from, last.Format(time.DateOnly))}
	}
	return opts, nil
}

// previousMonth is the whole calendar month before the one now falls in, in WIB: the
// period a monthly report is made for in its first days. from is included, to not.
func previousMonth(now time.Time) (from, to time.Time) {
	n := now.In(reportZone)
	to = time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, reportZone)
	return to.AddDate(0, -1, 0), to
}

// reportDB is what a report's figures are read from (store.Reports and
// store.Officers offer it): the aggregates, and the officers' names.
type reportDB interface {
	Tally(ctx context.Context, q store.ReportQuery, by store.Breakdown) ([]store.Tally, error)
	ServiceTimes(ctx context.Context, q store.ReportQuery) (store.ServiceTimes, error)
	SurveyTally(ctx context.Context, q store.ReportQuery) (store.SurveyTally, error)
	ListOfficers(ctx context.Context) ([]domain.Officer, error)
}

// reportFigures are a period's figures, all read before any output is written: they
// are small (one line per month, desa, officer...), and the cases that follow are
// streamed from a query during which SQLite can answer nothing else.
type reportFigures struct {
	Query store.ReportQuery
	// Total sums the requests for help of the period over every breakdown line.
	Total store.Tally
	By    map[store.Breakdown][]store.Tally
	Times store.ServiceTimes
	// Survey counts the surveys asked in the period.
	Survey store.SurveyTally
	// Officers maps an officer's number to their name, registered or disabled.
	Officers map[string]string
}

// gatherReport reads every figure of the period with the store's aggregate queries
// (never by loading the cases).
func gatherReport(ctx context.Context, db reportDB, q store.ReportQuery) (reportFigures, error) {
	f := reportFigures{Query: q, By: make(map[store.Breakdown][]store.Tally, len(store.Breakdowns)), Officers: map[string]string{}}
	for _, by := range store.Breakdowns {
		lines, err := db.Tally(ctx, q, by)
		if err != nil {
			return f, fmt.Errorf("tally by %s: %w", by, err)
		}
		f.By[by] = lines
	}
	// Every request for help has one month of filing: the month lines add up to all.
	f.Total = store.Sum(f.By[store.ByMonth])
	var err error
	if f.Times, err = db.ServiceTimes(ctx, q); err != nil {
		return f, fmt.Errorf("service times: %w", err)
	}
	if f.Survey, err = db.SurveyTally(ctx, q); err != nil {
		return f, fmt.Errorf("survey: %w", err)
	}
	officers, err := db.ListOfficers(ctx)
	if err != nil {
		return f, fmt.Errorf("officers: %w", err)
	}
	for _, o := range officers {
		f.Officers[o.Phone] = o.Name
	}
	return f, nil
}
