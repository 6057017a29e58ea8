package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/dinsospmd-bateng/silakso/bot"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
)

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// openCases opens the case database named by the configuration, applying migrations.
func openCases(ctx context.Context, c config) (store.Cases, error) {
	path := strings.TrimPrefix(c.DatabaseURL, "sqlite:")
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create the data folder: %w (set SILAKSO_DATA_DIR to a writable folder)", err)
		}
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("case database %s: %w", path, err)
	}
	return db, nil
}

// newEngine builds the bot over the given stores.
func newEngine(sessions store.Sessions, cases store.Cases, log *slog.Logger) (*bot.Engine, error) {
	catalog, err := locales.Load()
	if err != nil {
		return nil, err
	}
	regions, err := dialogs.LoadRegions()
	if err != nil {
		return nil, err
	}
	return bot.New(bot.Deps{
		Sessions: sessions, Cases: cases, Catalog: catalog, Regions: regions, Log: log,
	}, bot.Config{}), nil
}
