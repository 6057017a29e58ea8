package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels/gammu"
)

const gammuUsage = `Usage:
  silakso gammu check   is Gammu SMSD ready: its tables and schema version, the modem's
                        last contact, signal and battery, and what waits in its queues

Reads SILAKSO_GAMMU_DATABASE_URL (and SILAKSO_GAMMU_PHONE_ID, SILAKSO_GAMMU_STALE_AFTER).
Exit status 0 when the modem was heard from recently, 1 otherwise.
`

func runGammu(ctx context.Context, env func(string) string, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(stderr, gammuUsage)
		return usageError{errors.New("name a subcommand: check")}
	}
	fs := flag.NewFlagSet("gammu check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err}
	}
	cfg, err := loadConfig(env, slog.LevelWarn)
	if err != nil {
		return err
	}
	if cfg.GammuURL == "" {
		return errors.New("SILAKSO_GAMMU_DATABASE_URL is not set: name the database of gammu-smsd's smsdrc, e.g. postgres://gammu:PASSWORD@127.0.0.1:5432/gammu")
	}
	ctx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	fmt.Fprintf(stdout, "database    %s\n", redact(cfg.GammuURL))
	db, err := gammu.Open(ctx, cfg.GammuURL)
	if err != nil {
		return err
	}
	defer db.Close()
	missing, err := db.MissingTables(ctx)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("tables missing: %v (load pgsql.sql from gammu-smsd's examples)", missing)
	}
	fmt.Fprintf(stdout, "tables      present, schema version %d\n", gammu.SchemaVersion)
	p, modemErr := db.Check(ctx, cfg.Gammu.PhoneID, cfg.Gammu.StaleAfter)
	if p.ID != "" {
		fmt.Fprintf(stdout, "modem       %s (IMEI %s, %s), last heard %s ago\n", p.ID, p.IMEI, p.Client, p.Age.Round(time.Second))
		fmt.Fprintf(stdout, "            network %s, signal %s, battery %s, sending %s, receiving %s\n",
			orUnknown(p.NetName), signalLevel(p.Signal), batteryLevel(p.Battery), onOff(p.Send), onOff(p.Receive))
		fmt.Fprintf(stdout, "            %d SMS parts sent and %d received since gammu-smsd started\n", p.Sent, p.Received)
	}
	q, err := db.Queued(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "inbox       %d not processed yet", q.Unprocessed)
	if q.Unprocessed > 0 {
		fmt.Fprintf(stdout, " (the oldest for %s)", q.OldestUnprocessed.Round(time.Second))
	}
	fmt.Fprintf(stdout, "\noutbox      %d waiting to be sent, %d of them SILAKSO's\n", q.Outbox, q.OurOutbox)
	if modemErr != nil {
		return modemErr
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

func signalLevel(v int) string {
	if v < 0 {
		return "unknown"
	}
	return fmt.Sprintf("%d%%", v)
}

func batteryLevel(v int) string {
	if v <= 0 {
		// gammu-smsd writes 0 (or -1) when the check is off in its smsdrc, as it is
		// for a USB modem's battery.
		return "not reported"
	}
	return fmt.Sprintf("%d%%", v)
}

func orUnknown(s string) string {
	if s == "" || s == "ERROR" {
		return "unknown"
	}
	return s
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
