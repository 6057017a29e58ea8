package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/store"
)

// retention is how long each kind of data is kept (0: kept until removed by hand).
type retention struct {
	Messages, Forwarded, Closed time.Duration
}

// readRetention reads SILAKSO_RETAIN_MESSAGES, SILAKSO_RETAIN_FORWARDED and
// SILAKSO_ARCHIVE_AFTER: days ("90d"), a Go duration, or "off".
func readRetention(env func(string) string) (retention, error) {
	var r retention
	for _, d := range []struct {
		name string
		to   *time.Duration
		def  time.Duration
	}{
		{"SILAKSO_RETAIN_MESSAGES", &r.Messages, 90 * 24 * time.Hour},
		{"SILAKSO_RETAIN_FORWARDED", &r.Forwarded, 365 * 24 * time.Hour},
		{"SILAKSO_ARCHIVE_AFTER", &r.Closed, 5 * 365 * 24 * time.Hour},
	} {
		*d.to = d.def
		v := strings.TrimSpace(env(d.name))
		switch {
		case v == "":
		case v == "off":
			*d.to = 0
		default:
			t, err := parseDays(v)
			if err != nil || t < time.Hour || t > 36500*24*time.Hour {
				return r, fmt.Errorf("%s=%q: use days such as 90d (at most 36500d), or off", d.name, v)
			}
			*d.to = t
		}
	}
	return r, nil
}

// policy is the purge's cutoffs at now.
func (r retention) policy(now time.Time) store.PurgePolicy {
	var p store.PurgePolicy
	for _, c := range []struct {
		keep time.Duration
		to   *time.Time
	}{{r.Messages, &p.Messages}, {r.Forwarded, &p.Forwarded}, {r.Closed, &p.Closed}} {
		if c.keep > 0 {
			*c.to = now.Add(-c.keep)
		}
	}
	return p
}

// purge runs the retention policy once and puts it on the audit trail.
func purge(ctx context.Context, db database, r retention, actor string) (store.PurgeCount, error) {
	n, err := db.Purge(ctx, r.policy(time.Now()))
	if err != nil {
		return n, err
	}
	detail := fmt.Sprintf("%d message records, %d forwarded texts, %d closed cases anonymised", n.Messages, n.Forwarded, n.Cases)
	if err := db.Audit(ctx, store.AuditEntry{At: time.Now(), Actor: actor, Kind: store.AuditPurge, Detail: detail}); err != nil {
		return n, fmt.Errorf("purge done, but not on the audit trail: %w", err)
	}
	return n, nil
}

// runPurge applies the retention policy now (silakso serve does it every day).
func runPurge(ctx context.Context, env func(string) string, _ []string, _ io.Reader, stdout, _ io.Writer) error {
	cfg, db, err := openOperatorDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := purge(ctx, db, cfg.Retention, "operator")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "purged: %d message records, %d forwarded texts, %d closed cases anonymised\n", n.Messages, n.Forwarded, n.Cases)
	return nil
}

// purgeEvery runs the retention policy once a day, the first time soon after start.
func purgeEvery(ctx context.Context, db database, r retention, log *slog.Logger) {
	wait := time.Minute
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = 24 * time.Hour
		n, err := purge(ctx, db, r, "system")
		if err != nil {
			log.Error("retention purge failed; tried again tomorrow", "err", err)
			continue
		}
		log.Info("retention purge", "messages", n.Messages, "forwarded", n.Forwarded, "cases", n.Cases)
	}
}
