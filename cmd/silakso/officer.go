package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot"
	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels/console"
	"github.com/dinsospmd-bateng/silakso/channels/gammu"
	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
	"github.com/dinsospmd-bateng/silakso/channels/twilio"
	"github.com/dinsospmd-bateng/silakso/channels/whatsapp"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/store"
)

const officerUsage = `usage:
  silakso officer add --phone <phone> --name <name> --role petugas|supervisor|admin [--kecamatan <name>[,<name>]] [--channel twilio-sms|twilio-whatsapp|whatsapp|gammu-sms|smsgate-sms|console] --pin <4-8 digits>|-
  silakso officer pin --phone <phone> --pin <4-8 digits>|-
  silakso officer list
  silakso officer disable --phone <phone>
  silakso officer enable --phone <phone>
  silakso officer summary --phone <phone> on|off   the month's figures on the 1st (supervisors, admins)`

// runOfficer manages the officer registry. Officers take effect in running instances
// within 30 seconds (the engine caches the registry). A PIN is given with --pin, or
// with --pin - on the first line of standard input (kept out of the shell history and
// the process list); only its bcrypt hash is stored.
func runOfficer(ctx context.Context, env func(string) string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New(officerUsage)}
	}
	verb, args := args[0], args[1:]
	// summary takes on or off wherever it is written, in any case ("on --phone ...").
	var onOff []string
	if verb == "summary" {
		args = slices.DeleteFunc(slices.Clone(args), func(a string) bool {
			if w := strings.ToLower(a); w == "on" || w == "off" {
				onOff = append(onOff, w)
				return true
			}
			return false
		})
	}
	fs := flag.NewFlagSet("officer "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	phone := fs.String("phone", "", "the officer's phone number")
	name := fs.String("name", "", "the officer's name")
	role := fs.String("role", "", "petugas, supervisor or admin")
	kecamatan := fs.String("kecamatan", "", "kecamatan covered, comma-separated (petugas)")
	channel := fs.String("channel", twilio.ChannelSMS, "where pushes to the officer go, and the only channel their commands are taken from")
	pin := fs.String("pin", "", "the officer's login PIN, 4 to 8 digits (- reads it from standard input)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	var pinHash string
	if verb == "add" || verb == "pin" {
		h, err := readPIN(*pin, stdin)
		if err != nil {
			return usageError{err}
		}
		pinHash = h
	}
	_, db, err := openOperatorDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()

	switch verb {
	case "add":
		o, err := newOfficer(*phone, *name, *role, *kecamatan, *channel)
		if err != nil {
			return usageError{err}
		}
		o.PINHash = pinHash
		if err := db.AddOfficer(ctx, o); err != nil {
			if errors.Is(err, store.ErrExists) {
				return fmt.Errorf("%s is already registered (see: silakso officer list)", o.Phone)
			}
			return err
		}
		fmt.Fprintf(stdout, "added %s %s (%s%s), pushes via %s\n", o.Phone, o.Name, o.Role, coverage(o), o.Channel)
		return operatorAudit(ctx, db, store.AuditOfficerAdded, o.Phone, string(o.Role)+coverage(o)+", "+o.Channel)
	case "list":
		list, err := db.ListOfficers(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "PHONE\tNAME\tROLE\tKECAMATAN\tCHANNEL\tACTIVE\tSUMMARY")
		for _, o := range list {
			kec := strings.Join(o.Kecamatan, ",")
			if o.Oversees() {
				kec = "(all)"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%v\t%v\n", o.Phone, o.Name, o.Role, kec, o.Channel, o.Active, o.MonthlySummary)
		}
		return w.Flush()
	case "pin":
		p, err := dialogs.ParsePhone(*phone)
		if err != nil {
			return usageError{fmt.Errorf("--phone %q is not an Indonesian phone number (example: --phone 081234567890)", *phone)}
		}
		if err := db.SetOfficerPIN(ctx, p, pinHash, time.Now()); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%s is not a registered officer (see: silakso officer list)", p)
			}
			return err
		}
		fmt.Fprintf(stdout, "new PIN set for %s; wrong tries and any lockout cleared, and a login made with the old PIN ends within 30 seconds\n", p)
		return operatorAudit(ctx, db, store.AuditOfficerPIN, p, "")
	case "disable", "enable":
		p, err := dialogs.ParsePhone(*phone)
		if err != nil {
			return usageError{fmt.Errorf("--phone %q is not an Indonesian phone number (example: --phone 081234567890)", *phone)}
		}
		if err := db.SetOfficerActive(ctx, p, verb == "enable", time.Now()); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%s is not a registered officer (see: silakso officer list)", p)
			}
			return err
		}
		fmt.Fprintf(stdout, "%sd %s\n", verb, p)
		kind := store.AuditOfficerOff
		if verb == "enable" {
			kind = store.AuditOfficerEnabled
		}
		return operatorAudit(ctx, db, kind, p, "")
	case "summary":
		p, err := dialogs.ParsePhone(*phone)
		if err != nil {
			return usageError{fmt.Errorf("--phone %q is not an Indonesian phone number (example: --phone 081234567890)", *phone)}
		}
		if len(onOff) != 1 || fs.NArg() != 0 {
			return usageError{errors.New("say on or off once: silakso officer summary --phone 081234567890 on")}
		}
		on := onOff[0] == "on"
		o, err := db.Officer(ctx, p)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("%s is not a registered officer (see: silakso officer list)", p)
		case err != nil:
			return err
		case on && !o.Oversees():
			// The summary counts every kecamatan: for those who see them all.
			return fmt.Errorf("%s is a %s; the monthly summary is for supervisors and admins", p, o.Role)
		}
		if err := db.SetMonthlySummary(ctx, p, on); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "monthly summary %s for %s, sent on the 1st of each month from 08.00 WIB via %s\n", onOff[0], p, o.Channel)
		return operatorAudit(ctx, db, store.AuditOfficerSummary, p, onOff[0])
	default:
		return usageError{fmt.Errorf("unknown officer command %q\n%s", verb, officerUsage)}
	}
}

func coverage(o domain.Officer) string {
	if o.Oversees() {
		return ", all kecamatan"
	}
	return ", Kec. " + strings.Join(o.Kecamatan, ", ")
}

// newOfficer checks an officer's details and says exactly what is wrong.
func newOfficer(phone, name, role, kecamatan, channel string) (domain.Officer, error) {
	p, err := dialogs.ParsePhone(phone)
	if err != nil {
		return domain.Officer{}, fmt.Errorf("--phone %q is not an Indonesian phone number (example: --phone 081234567890)", phone)
	}
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || len([]rune(name)) > 60 {
		return domain.Officer{}, errors.New("--name is required (at most 60 characters)")
	}
	r := domain.Role(strings.ToLower(role))
	if !r.Valid() {
		return domain.Officer{}, fmt.Errorf("--role %q: use petugas, supervisor or admin", role)
	}
	switch channel {
	case twilio.ChannelSMS, twilio.ChannelWhatsApp, whatsapp.Channel, gammu.Channel, smsgate.Channel, console.Channel:
	default:
		return domain.Officer{}, fmt.Errorf("--channel %q: use %s, %s, %s, %s, %s or %s", channel, twilio.ChannelSMS, twilio.ChannelWhatsApp, whatsapp.Channel, gammu.Channel, smsgate.Channel, console.Channel)
	}
	regions, err := dialogs.LoadRegions()
	if err != nil {
		return domain.Officer{}, err
	}
	var names []string
	for _, k := range regions.Kecamatan {
		names = append(names, k.Name)
	}
	var kec []string
	for _, typed := range strings.Split(kecamatan, ",") {
		if typed = strings.TrimSpace(typed); typed == "" {
			continue
		}
		k, ok := regions.KecamatanByName(strings.Join(strings.Fields(typed), " "))
		if !ok {
			return domain.Officer{}, fmt.Errorf("--kecamatan %q is not a kecamatan of Bangka Tengah; use: %s", typed, strings.Join(names, ", "))
		}
		kec = append(kec, k.Name)
	}
	if r == domain.RolePetugas && len(kec) == 0 {
		return domain.Officer{}, fmt.Errorf("--kecamatan is required for a petugas: one or more of %s", strings.Join(names, ", "))
	}
	return domain.Officer{Phone: p, Name: name, Role: r, Kecamatan: kec, Channel: channel, Active: true, CreatedAt: time.Now()}, nil
}

// readPIN reads --pin (or, for -, the first line of stdin) and hashes it.
func readPIN(flagValue string, stdin io.Reader) (string, error) {
	pin := flagValue
	if pin == "-" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("--pin -: no PIN on standard input")
		}
		pin = strings.TrimSpace(line)
	}
	if pin == "" {
		return "", errors.New("--pin is required: the officer logs in with MASUK <PIN> (4 to 8 digits)")
	}
	h, err := bot.HashPIN(pin)
	if errors.Is(err, bot.ErrPINShape) {
		return "", errors.New("--pin must be 4 to 8 digits")
	}
	return h, err
}

// parseOfficerPhone reads an officer's number as the registry stores it.
func parseOfficerPhone(s string) (string, error) { return dialogs.ParsePhone(s) }
