// Command silakso is the SILAKSO service: one binary with subcommands. All wiring of
// stores, channels and the engine happens here and nowhere else.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

const usage = `silakso: SMS and WhatsApp front door of the DinsosPMD Bangka Tengah SLRT.

Usage:
  silakso serve                   run the service: webhooks, WhatsApp, SMS gateways, health, metrics
  silakso chat [--from <phone>]   talk to the bot in this terminal (lines in, replies out)
  silakso migrate                 apply database migrations and exit
  silakso audit [--from D] [--to D] [--actor P] [--kind K]   the audit trail
  silakso report [--from D] [--to D] [--format table|csv|xlsx] [--out PATH]   the office's figures (default: last month)
  silakso data export|erase|rekey  one resident's data; sealing under a new key (silakso data for details)
  silakso purge                   apply the retention periods now (serve does it daily)
  silakso officer add|pin|list|disable|enable   manage officers (silakso officer for details)
  silakso whatsapp link|status|unlink       the office's linked WhatsApp number
  silakso gammu check             the SMS modem through Gammu SMSD: tables, last contact
  silakso smsgate register|check  the Android SMS gateway phone: its webhooks to SILAKSO

Configuration comes from the environment (see README.md): SILAKSO_DATA_DIR,
SILAKSO_DATABASE_URL, SILAKSO_REDIS_URL, SILAKSO_REDIS_PREFIX, SILAKSO_LOG_LEVEL,
SILAKSO_HTTP_ADDR, SILAKSO_PUBLIC_URL, SILAKSO_DEBUG_ADDR, TWILIO_ACCOUNT_SID,
TWILIO_AUTH_TOKEN, TWILIO_FROM, TWILIO_WHATSAPP_FROM, TWILIO_WHATSAPP_TEMPLATE_SID,
TWILIO_API_BASE_URL, TWILIO_WEBHOOK_RETRIES, SILAKSO_SEND_CONCURRENCY, SILAKSO_SEND_RATE,
SILAKSO_INSTANCES, SILAKSO_ESCALATE_AFTER, SILAKSO_LATE_AFTER, SILAKSO_SURVEY, SILAKSO_WHATSAPP, SILAKSO_GAMMU_DATABASE_URL,
SILAKSO_GAMMU_PHONE_ID, SILAKSO_GAMMU_SEND_RATE, SILAKSO_GAMMU_DELIVERY_REPORTS,
SILAKSO_GAMMU_STALE_AFTER, SILAKSO_GAMMU_ALERT_AFTER, SILAKSO_GAMMU_PARTS_WAIT,
SMSGATE_URL, SMSGATE_USER, SMSGATE_PASSWORD, SMSGATE_TOKEN, SMSGATE_SIGNING_KEY,
SMSGATE_DEVICE_ID, SMSGATE_SIM, SMSGATE_SEND_RATE, SMSGATE_ALERT_AFTER.
`

// commands maps a subcommand to its entry point; each takes its own flags after the
// command name.
var commands = map[string]func(ctx context.Context, env func(string) string, args []string, stdin io.Reader, stdout, stderr io.Writer) error{
	"chat":     runChat,
	"migrate":  runMigrate,
	"audit":    runAudit,
	"data":     runData,
	"purge":    runPurge,
	"serve":    runServe,
	"officer":  runOfficer,
	"whatsapp": runWhatsApp,
	"gammu":    runGammu,
	"smsgate":  runSMSGate,
	"report":   runReport,
}

func main() { os.Exit(runProcess(os.Args[1:])) }

// runProcess is the whole process around a command: settings of the Go runtime, and
// SIGINT or SIGTERM to stop.
func runProcess(args []string) int {
	if os.Getenv("GOGC") == "" {
		// The heap is small (tens of MB) and short-lived per message; collecting at 5x
		// the live heap instead of 2x gave serve 20-30 % more turns per CPU second under
		// load (README, Performance). GOGC in the environment still decides.
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
}

func run(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "silakso: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err := cmd(ctx, env, args[1:], stdin, stdout, stderr); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "silakso %s: %v\n", args[0], err)
			return 2
		}
		fmt.Fprintf(stderr, "silakso %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// usageError is a mistake in the command line, answered with exit status 2.
type usageError struct{ error }
