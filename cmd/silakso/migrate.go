package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// runMigrate applies pending migrations. Opening the case store migrates it, so serve
// and chat never run on an old schema; this command exists for operators who want to
// migrate before a deploy.
func runMigrate(ctx context.Context, env func(string) string, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	cfg, err := loadConfig(env, slog.LevelInfo)
	if err != nil {
		return err
	}
	db, err := openCases(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "migrations applied: %s is up to date\n", cfg.DatabaseURL)
	return nil
}
