package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
)

const smsgateUsage = `Usage:
  silakso smsgate register   register SILAKSO_PUBLIC_URL` + smsgate.EventsPath + ` with the gateway for the
                             events SILAKSO needs (again: replaces SILAKSO's, adds none)
  silakso smsgate check      can SILAKSO sign in to the gateway, and are its webhooks there

Reads SMSGATE_URL, SMSGATE_USER and SMSGATE_PASSWORD (or SMSGATE_TOKEN), SMSGATE_DEVICE_ID
and SILAKSO_PUBLIC_URL.
`

func runSMSGate(ctx context.Context, env func(string) string, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "register" && args[0] != "check") {
		fmt.Fprint(stderr, smsgateUsage)
		return usageError{errors.New("name a subcommand: register or check")}
	}
	fs := flag.NewFlagSet("smsgate "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args[1:]); err != nil {
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
				return fmt.Errorf("register %s: %w", event, err)
			}
			fmt.Fprintf(stdout, "registered  %-14s -> %s\n", event, url)
		}
	}
	hooks, err := client.Hooks(ctx)
	if err != nil {
		return fmt.Errorf("list webhooks at %s: %w", cfg.SMSGate.URL, err)
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
		if h.URL != url {
			fmt.Fprintf(stdout, "other       %-14s -> %s (id %s; not SILAKSO's)\n", h.Event, h.URL, h.ID)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no webhook to %s for %v: run silakso smsgate register", url, missing)
	}
	fmt.Fprintf(stdout, "webhooks    all %d events go to %s\n", len(smsgate.Events), url)
	return nil
}
