package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/dinsospmd-bateng/silakso/store"
)

const dataUsage = `usage:
  silakso data rekey   seal every stored personal field under SILAKSO_DATA_KEY: after a change of key
                       (the old one in SILAKSO_DATA_OLD_KEYS), or for data stored before sealing`

// runData is the operators' commands on residents' stored data.
func runData(ctx context.Context, env func(string) string, args []string, _ io.Reader, stdout, _ io.Writer) error {
	if len(args) != 1 || args[0] != "rekey" {
		return usageError{errors.New(dataUsage)}
	}
	cfg, err := loadConfig(env, slog.LevelWarn)
	if err != nil {
		return err
	}
	db, err := openCases(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Reseal(ctx)
	if err != nil {
		return fmt.Errorf("re-seal: %v (nothing was changed)", oneLine(err))
	}
	fmt.Fprintf(stdout, "re-sealed under key %s: %d cases, %d event notes, %d messages waiting to be sent\n",
		keyID(cfg), n.Cases, n.Events, n.Outbox)
	if len(cfg.OldDataKeys) > 0 {
		fmt.Fprintln(stdout, "nothing is sealed under the old keys any more: SILAKSO_DATA_OLD_KEYS can go once every instance runs with the new key")
	}
	return operatorAudit(ctx, db, store.AuditRekey, "", fmt.Sprintf("key %s: %d cases, %d notes, %d messages", keyID(cfg), n.Cases, n.Events, n.Outbox))
}

// keyID names the configured key as stored values name it.
func keyID(cfg config) string {
	k, err := dataKeyring(cfg)
	if err != nil {
		return "?"
	}
	return k.Current()
}
