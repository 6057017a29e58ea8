package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
)

const smsgateUsage = `Usage:
  silakso smsgate register   register SILAKSO_PUBLIC_URL` + smsgate.EventsPath + ` with the gateway for the
                             events SILAKSO needs (again: replaces SILAKSO's, adds none)
  silakso smsgate check      can SILAKSO sign in to the gateway, and are its webhooks there

Reads SMSGATE_URL, SMSGATE_USER and SMSGATE_PASSWORD (or SMSGATE_TOKEN), SMSGATE_SIGNING_KEY
(checked as serve checks it), SMSGATE_DEVICE_ID and SILAKSO_PUBLIC_URL.
`

func runSMSGate(ctx context.Context, env func(string) string, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stdout, smsgateUsage)
		return nil
	}
	if len(args) == 0 || (args[0] != "register" && args[0] != "check") {
		fmt.Fprint(stderr, smsgateUsage)
		return usageError{errors.New("name a subcommand: register or check")}
	}
	fs := flag.NewFlagSet("smsgate "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, smsgateUsage) }
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err}
	}
	cfg, err := loadConfig(env, slog.LevelWarn)
	if err != nil {
		return err
	}
	if !cfg.smsgateEnabled() {
		return errors.New("SMSGATE_URL is not set: the gateway's address, e.g. http://192.168.1.20:8080 (the phone) or https://api.sms-gate.app/3rdparty/v1")
	}
	if err := cfg.checkSMSGate(); err != nil {
		return err
	}
	client, err := smsgate.NewClient(cfg.SMSGate)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	url := cfg.PublicURL + smsgate.EventsPath
	if args[0] == "register" {
		for _, event := range smsgate.Events {
			h := smsgate.Hook{ID: smsgate.HookID(event), URL: url, Event: event, DeviceID: cfg.SMSGate.DeviceID}
			if err := client.RegisterHook(ctx, h); err != nil {
				return fmt.Errorf("register %s: %v%s", event, err, gatewayHint(err))
			}
			fmt.Fprintf(stdout, "registered  %-14s -> %s\n", event, url)
		}
	}
	hooks, err := client.Hooks(ctx)
	if err != nil {
		return fmt.Errorf("list webhooks at %s: %v%s", cfg.SMSGate.URL, err, gatewayHint(err))
	}
	fmt.Fprintf(stdout, "gateway     %s: signed in\n", cfg.SMSGate.URL)
	var missing []string
	for _, event := range smsgate.Events {
		i := slices.IndexFunc(hooks, func(h smsgate.Hook) bool { return h.Event == event && h.URL == url })
		if i < 0 {
			missing = append(missing, event)
		}
	}
	for _, h := range hooks {
		switch {
		case h.URL == url:
		case strings.HasPrefix(h.ID, "silakso-"):
			fmt.Fprintf(stdout, "old         %-14s -> %s (SILAKSO's, to an address it no longer has: run silakso smsgate register)\n", h.Event, h.URL)
		case h.Event == smsgate.EventReceived:
			fmt.Fprintf(stdout, "WARNING     %-14s -> %s (id %s): another service also gets every resident's SMS; delete it unless the office meant it\n", h.Event, h.URL, h.ID)
		default:
			fmt.Fprintf(stdout, "other       %-14s -> %s (id %s; not SILAKSO's)\n", h.Event, h.URL, h.ID)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no webhook to %s for %v: run silakso smsgate register", url, missing)
	}
	fmt.Fprintf(stdout, "webhooks    all %d events go to %s\n", len(smsgate.Events), url)
	return nil
}

// gatewayHint says which setting to look at for a gateway's refusal.
func gatewayHint(err error) string {
	var apiErr *smsgate.APIError
	switch {
	case errors.As(err, &apiErr) && (apiErr.Status == 401 || apiErr.Status == 403):
		return " (check SMSGATE_USER and SMSGATE_PASSWORD, or SMSGATE_TOKEN, against what the app shows)"
	case errors.As(err, &apiErr) && apiErr.Status == 404:
		return " (check the path in SMSGATE_URL: none on the phone's local server, /3rdparty/v1 on the cloud, /api/3rdparty/v1 on a private server)"
	case errors.As(err, &apiErr):
		return ""
	}
	return " (check SMSGATE_URL, and that the app's server is running)"
}
