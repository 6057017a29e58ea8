package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dinsospmd-bateng/silakso/store"
)

// runAudit prints the audit trail (logins, lockouts, listings, status checks by others,
// officer registry changes), oldest first, filtered by period, actor and kind.
func runAudit(ctx context.Context, env func(string) string, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "first day, YYYY-MM-DD (local time, WIB)")
	to := fs.String("to", "", "last day, YYYY-MM-DD (included)")
	actor := fs.String("actor", "", "who: an officer's number, or operator")
	kind := fs.String("kind", "", "what: "+strings.Join(store.AuditKinds, ", "))
	limit := fs.Int("limit", 1000, "at most this many entries")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *kind != "" && !slices.Contains(store.AuditKinds, *kind) {
		return usageError{fmt.Errorf("--kind %q: use one of %s", *kind, strings.Join(store.AuditKinds, ", "))}
	}
	wib := time.FixedZone("WIB", 7*3600)
	f := store.AuditFilter{Kind: *kind, Limit: *limit}
	for _, d := range []struct {
		name, value string
		to          *time.Time
		next        bool
	}{{"--from", *from, &f.From, false}, {"--to", *to, &f.To, true}} {
		if d.value == "" {
			continue
		}
		day, err := time.ParseInLocation("2006-01-02", d.value, wib)
		if err != nil {
			return usageError{fmt.Errorf("%s %q: use a date such as 2026-11-30", d.name, d.value)}
		}
		if d.next {
			day = day.AddDate(0, 0, 1)
		}
		*d.to = day
	}
	if *actor != "" {
		f.Actor = *actor
		if *actor != "operator" {
			p, err := parseOfficerPhone(*actor)
			if err != nil {
				return usageError{fmt.Errorf("--actor %q: an officer's phone number, or operator", *actor)}
			}
			f.Actor = p
		}
	}
	_, db, err := openOperatorDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	entries, err := db.AuditTrail(ctx, f)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "WHEN (WIB)\tWHO\tWHAT\tON\tDETAIL")
	for _, e := range entries {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", e.At.In(wib).Format("2006-01-02 15:04:05"), e.Actor, e.Kind, e.Subject, e.Detail)
	}
	return w.Flush()
}

// operatorAudit records what an operator did at the command line.
func operatorAudit(ctx context.Context, db store.Auditor, kind, subject, detail string) error {
	if err := db.Audit(ctx, store.AuditEntry{At: time.Now(), Actor: "operator", Kind: kind, Subject: subject, Detail: detail}); err != nil {
		return fmt.Errorf("audit trail not written (the change itself was made): %w", err)
	}
	return nil
}
