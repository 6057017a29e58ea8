package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dinsospmd-bateng/silakso/bot"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/postgres"
	"github.com/dinsospmd-bateng/silakso/store/redis"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
)

// startupTimeout bounds each backend's first contact, so a server that is down gives a
// clear error in seconds instead of a hang.
const startupTimeout = 10 * time.Second

// database is what a case database offers: the cases, the message records, and a ping
// for readiness. SQLite and PostgreSQL both provide it.
type database interface {
	store.Cases
	store.MessageLog
	store.Officers
	store.Outbox
	store.Auditor
	store.Resealer
	store.Purger
	store.Subjects
	store.Reports
	Ping(ctx context.Context) error
}

// openOperatorDB reads the configuration (logging only warnings: the terminal is the
// operator's) and opens the case database, for the operators' commands.
func openOperatorDB(ctx context.Context, env func(string) string) (config, database, error) {
	cfg, err := loadConfig(env, slog.LevelWarn)
	if err != nil {
		return cfg, nil, err
	}
	db, err := openCases(ctx, cfg)
	return cfg, db, err
}

// openCases opens the case database named by the configuration, applying migrations.
func openCases(ctx context.Context, c config) (database, error) {
	ctx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	path, isSQLite := strings.CutPrefix(c.DatabaseURL, "sqlite:")
	if !isSQLite {
		db, err := postgres.Open(ctx, c.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("SILAKSO_DATABASE_URL: %v", oneLine(err))
		}
		keys, err := dataKeyring(c)
		if err != nil {
			db.Close()
			return nil, err
		}
		db.SetKeyring(keys)
		return db, nil
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create the data folder: %w (set SILAKSO_DATA_DIR to a writable folder)", err)
		}
	}
	keyMissing := false
	if c.DataKey == nil {
		_, err := os.Stat(filepath.Join(filepath.Dir(path), keyFileName))
		keyMissing = errors.Is(err, os.ErrNotExist)
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("case database %s: %v", path, oneLine(err))
	}
	if keyMissing {
		// A new key would make the sealed data unreadable for good, and everything
		// sealed from now on unreadable with the old one: stop instead.
		if sealed, err := db.HasSealed(ctx); err != nil || sealed {
			db.Close()
			return nil, fmt.Errorf("%s holds sealed data but %s is missing: put the data key back (or set SILAKSO_DATA_KEY); without it that data cannot be read",
				path, filepath.Join(filepath.Dir(path), keyFileName))
		}
	}
	keys, err := dataKeyring(c)
	if err != nil {
		db.Close()
		return nil, err
	}
	db.SetKeyring(keys)
	return db, nil
}

// openRedisSessions connects to the configured Redis. Pool size and timeouts come from
// the URL's query (pool_size, dial_timeout, read_timeout, ...); go-redis's defaults
// (10 connections per CPU, 5 s dial, 3 s read/write) suit most offices.
func openRedisSessions(ctx context.Context, c config, opts store.SessionOptions, log *slog.Logger) (store.Sessions, func() error, error) {
	ropts, err := goredis.ParseURL(c.RedisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("SILAKSO_REDIS_URL=%q: %v", redact(c.RedisURL), err)
	}
	// go-redis reports connection trouble on its own global logger; route it into ours
	// so stderr stays one JSON line per event.
	goredis.SetLogger(redisLogger{log})
	// A call's deadline (each session call has its own, see store.SessionOptions) must
	// bound its network I/O too, or a stalled Redis holds a turn for the whole read
	// timeout.
	ropts.ContextTimeoutEnabled = true
	// RESP3's push notifications are not used here; RESP2 spares every command the
	// check for them (measured: see README, Performance). protocol=3 in the URL keeps 3.
	if !strings.Contains(c.RedisURL, "protocol=") {
		ropts.Protocol = 2
	}
	rdb := goredis.NewClient(ropts)
	ctx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, nil, fmt.Errorf("SILAKSO_REDIS_URL: cannot reach Redis at %s: %v", ropts.Addr, oneLine(err))
	}
	return redis.NewSessions(rdb, c.RedisPrefix, opts), rdb.Close, nil
}

// oneLine keeps start-up errors to one line.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// newEngine builds the bot over the given stores.
func newEngine(cfg config, sessions store.Sessions, parking store.Parking, db database, log *slog.Logger, m bot.Metrics) (*bot.Engine, error) {
	return newEngineAt(cfg, sessions, parking, db, log, m, nil)
}

// newEngineAt is newEngine with a clock of its own (nil: time.Now), for chat's /wait.
func newEngineAt(cfg config, sessions store.Sessions, parking store.Parking, db database, log *slog.Logger, m bot.Metrics, now func() time.Time) (*bot.Engine, error) {
	catalog, err := locales.Load()
	if err != nil {
		return nil, err
	}
	regions, err := dialogs.LoadRegions()
	if err != nil {
		return nil, err
	}
	keys, err := dataKeyring(cfg)
	if err != nil {
		return nil, err
	}
	return bot.New(bot.Deps{
		Sessions: sessions, Parking: parking, Cases: db, Catalog: catalog, Regions: regions, Log: log, Metrics: m,
		Officers: db, OptOuts: db, Outbox: db, Auditor: db, Keys: keys, Now: now, Reports: db,
	}, bot.Config{Office: cfg.Office, OfficerSession: cfg.OfficerSession, LockFor: cfg.OfficerLock,
		LateAfter: cfg.LateAfter, SurveyOn: cfg.SurveyOn}), nil
}

// redisLogger puts go-redis's internal messages into slog at debug level: the errors that
// matter are returned to us and reported once, with context.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}
