package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/console"
	"github.com/dinsospmd-bateng/silakso/channels/delivery"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/memory"
	"github.com/dinsospmd-bateng/silakso/store/spool"
)

func runChat(ctx context.Context, env func(string) string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "081234567890", "the phone number you write from")
	dev := fs.Bool("dev-database", false, "the PostgreSQL case database is a development one: chat may act as its registered officers")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	sender, err := dialogs.ParsePhone(*from)
	if err != nil {
		return usageError{fmt.Errorf("--from %q is not an Indonesian phone number (example: --from 081234567890)", *from)}
	}
	// The clock /wait moves on; the conversation sees the time moved, the databases'
	// own clocks do not.
	clock := &chatClock{}
	// The terminal is for the conversation; logs only say something when it matters.
	cfg, err := loadConfig(env, slog.LevelWarn)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)

	db, err := openCases(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()

	var sessions store.Sessions
	var saveSessions func() error
	if cfg.RedisURL != "" {
		rs, closeRedis, err := openRedisSessions(ctx, cfg, store.SessionOptions{}, log)
		if err != nil {
			return err
		}
		defer closeRedis()
		sessions = rs
	} else {
		// In-process sessions, kept in the data folder between runs so a conversation
		// can be continued in the next run, as on a phone.
		ms := memory.NewSessions(store.SessionOptions{}, clock.now)
		snapshot := filepath.Join(cfg.DataDir, "chat-sessions.json")
		if f, err := os.Open(snapshot); err == nil {
			err = ms.Restore(f)
			f.Close()
			if err != nil {
				log.Warn("previous chat sessions unreadable, starting fresh", "err", err)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return fmt.Errorf("create the data folder: %w (set SILAKSO_DATA_DIR to a writable folder)", err)
		}
		sessions = ms
		saveSessions = func() error { return saveSnapshot(snapshot, ms) }
	}

	parking, err := spool.Open(cfg.SpoolDir())
	if err != nil {
		return fmt.Errorf("parked filings folder: %w (set SILAKSO_DATA_DIR to a writable folder)", err)
	}
	engine, err := newEngineAt(cfg, sessions, parking, db, log, nil, clock.now)
	if err != nil {
		return err
	}
	// What the outbox holds (tickets, status changes, officer replies, new-case notices)
	// is delivered after each line and printed with the address it goes to, whatever
	// channel that would be.
	var handler channels.Handler = engine
	if !strings.HasPrefix(cfg.DatabaseURL, "sqlite:") && !*dev {
		// Anyone at this terminal could otherwise work real cases as any officer: on a
		// PostgreSQL database, officers' numbers are refused unless told it is a
		// development database.
		handler = officerGuard{engine, db}
	}
	c := &console.Console{
		Handler: handler, In: stdin, Out: stdout, From: sender,
		Normalize: dialogs.ParsePhone, Echo: !isTerminal(stdin),
		Now: clock.now, Wait: clock.advance,
	}
	pushes := delivery.New(delivery.Config{}, delivery.Deps{
		Outbox: db, Fallback: c, Owner: fmt.Sprintf("chat-%d", os.Getpid()), Log: log,
		Now: clock.now, // pushes queued after a /wait are due on the conversation's clock
	})
	c.AfterTurn = func(ctx context.Context) {
		engine.RetryPendingFilings(ctx)
		if _, err := pushes.Flush(ctx); err != nil {
			log.Error("pushes not delivered", "err", err)
		}
	}
	if !c.Echo {
		fmt.Fprintf(stdout, "# SILAKSO chat as %s. Type a message; /from <phone> to switch, /wait 45m or /wait 4d to let time pass, Ctrl-D to end.\n", sender)
	}
	runErr := c.Run(ctx)
	if saveSessions != nil {
		if err := saveSessions(); err != nil {
			log.Error("chat sessions not saved", "err", err)
		}
	}
	return runErr
}

// saveSnapshot writes the sessions next to the database, atomically.
func saveSnapshot(path string, s *memory.Sessions) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if err := s.Snapshot(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// chatClock is the time as chat's conversation sees it: now, plus what /wait added.
type chatClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *chatClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *chatClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// officerGuard refuses to act as a registered officer in chat.
type officerGuard struct {
	channels.Handler
	officers store.Officers
}

func (g officerGuard) Handle(ctx context.Context, in channels.Inbound) ([]channels.Outbound, error) {
	if _, err := g.officers.Officer(ctx, in.From); err == nil {
		return []channels.Outbound{{Channel: in.Channel, To: in.From,
			Text: "(chat refuses to act as " + in.From + ", a registered officer in this PostgreSQL database; pass --dev-database if it is a development database)"}}, nil
	}
	return g.Handler.Handle(ctx, in)
}
