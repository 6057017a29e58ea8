package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/store"
)

const dataUsage = `usage:
  silakso data export --phone <phone> | --nik <NIK>   everything held about one resident, as JSON (full NIK: audited)
  silakso data erase --ticket <ticket>                anonymise one closed case now (a resident's erasure request)
  silakso data rekey                                  seal every stored personal field under SILAKSO_DATA_KEY: after a
                                                      change of key (the old one in SILAKSO_DATA_OLD_KEYS), or for data
                                                      stored before sealing`

// runData is the operators' commands on residents' stored data; each is audited.
func runData(ctx context.Context, env func(string) string, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New(dataUsage)}
	}
	verb := args[0]
	fs := flag.NewFlagSet("data "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	phone := fs.String("phone", "", "the resident's phone number")
	nik := fs.String("nik", "", "the resident's NIK")
	ticket := fs.String("ticket", "", "the case's ticket")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err}
	}
	if verb != "rekey" && verb != "export" && verb != "erase" {
		return usageError{fmt.Errorf("unknown data command %q\n%s", verb, dataUsage)}
	}
	cfg, db, err := openOperatorDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	switch verb {
	case "export":
		return exportData(ctx, db, *phone, *nik, stdout, stderr)
	case "erase":
		t, err := domain.ParseTicket(*ticket)
		if err != nil {
			return usageError{fmt.Errorf("--ticket %q: a ticket such as 2600017", *ticket)}
		}
		switch err := db.EraseCase(ctx, t); {
		case errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("ticket %s not found", t)
		case errors.Is(err, store.ErrCaseOpen):
			return fmt.Errorf("ticket %s is still open: an officer closes it first (UBAH %s selesai, or ditolak), then it can be erased", t, t)
		case err != nil:
			return err
		}
		fmt.Fprintf(stdout, "case %s anonymised: names, NIK, address, description, numbers, replies and notes erased; ticket and status history kept\n", t)
		return operatorAudit(ctx, db, store.AuditErase, t, "")
	}
	n, err := db.Reseal(ctx)
	if err != nil {
		return fmt.Errorf("re-seal: %v (nothing was changed)", oneLine(err))
	}
	id := "?"
	if k, err := dataKeyring(cfg); err == nil {
		id = k.Current()
	}
	fmt.Fprintf(stdout, "re-sealed under key %s: %d cases, %d event notes, %d messages waiting to be sent\n", id, n.Cases, n.Events, n.Outbox)
	if len(cfg.OldDataKeys) > 0 {
		fmt.Fprintln(stdout, "the case database holds nothing under the old keys any more; keep SILAKSO_DATA_OLD_KEYS for 30 days more: conversations in progress and parked filings are re-sealed as they are used, and expire by then")
	}
	return operatorAudit(ctx, db, store.AuditRekey, "", fmt.Sprintf("key %s: %d cases, %d notes, %d messages", id, n.Cases, n.Events, n.Outbox))
}

// exported is one case as an export shows it, with its history.
type exported struct {
	domain.Case
	Events []domain.Event
}

// exportData writes everything held about one resident (by number or NIK) as JSON: what
// an operator hands over on a request to see one's data, or a case to the ministry.
func exportData(ctx context.Context, db database, phone, nik string, stdout, stderr io.Writer) error {
	var cases []domain.Case
	var subject string
	switch {
	case (phone == "") == (nik == ""):
		return usageError{errors.New("give --phone or --nik")}
	case phone != "":
		p, err := dialogs.ParsePhone(phone)
		if err != nil {
			return usageError{fmt.Errorf("--phone %q is not an Indonesian phone number", phone)}
		}
		if cases, err = db.CasesByFiler(ctx, p, 1000); err != nil {
			return err
		}
		subject = p
	default:
		n, err := dialogs.ParseNIK(nik, nil)
		if err != nil || n.Missing {
			return usageError{fmt.Errorf("--nik: not a NIK (16 digits)")}
		}
		if cases, err = db.CasesByNIK(ctx, n.Number, 1000); err != nil {
			return err
		}
		subject = "NIK " + dialogs.MaskNIK(n.Number) // the trail never holds a NIK in full
	}
	out := make([]exported, 0, len(cases))
	for _, c := range cases {
		events, err := db.Events(ctx, c.ID)
		if err != nil {
			return err
		}
		out = append(out, exported{Case: c, Events: events})
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d cases exported with NIKs in full: hand them over in person or encrypted, never by chat or plain e-mail\n", len(out))
	return operatorAudit(ctx, db, store.AuditExport, subject, fmt.Sprintf("%d cases at %s", len(out), time.Now().Format(time.RFC3339)))
}
