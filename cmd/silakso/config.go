package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
)

// config is everything read from the environment, once, at start-up.
type config struct {
	DataDir     string
	DatabaseURL string
	RedisURL    string
	// RedisPrefix starts every Redis key, so deployments can share one Redis.
	RedisPrefix string
	LogLevel    slog.Level
}

// loadConfig reads and checks the environment. Errors say which variable is wrong and
// what a right value looks like.
func loadConfig(env func(string) string, defaultLevel slog.Level) (config, error) {
	c := config{
		DataDir:     env("SILAKSO_DATA_DIR"),
		DatabaseURL: env("SILAKSO_DATABASE_URL"),
		RedisURL:    env("SILAKSO_REDIS_URL"),
		RedisPrefix: env("SILAKSO_REDIS_PREFIX"),
		LogLevel:    defaultLevel,
	}
	if c.RedisPrefix == "" {
		c.RedisPrefix = "silakso:"
	}
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite:" + filepath.Join(c.DataDir, "silakso.db")
	}
	if lvl := env("SILAKSO_LOG_LEVEL"); lvl != "" {
		if err := c.LogLevel.UnmarshalText([]byte(lvl)); err != nil {
			return c, fmt.Errorf("SILAKSO_LOG_LEVEL=%q: use debug, info, warn or error", lvl)
		}
	}
	switch {
	case strings.HasPrefix(c.DatabaseURL, "sqlite:"):
		if strings.TrimPrefix(c.DatabaseURL, "sqlite:") == "" {
			return c, fmt.Errorf("SILAKSO_DATABASE_URL=%q: name the file, e.g. sqlite:data/silakso.db", c.DatabaseURL)
		}
	case strings.HasPrefix(c.DatabaseURL, "postgres://"), strings.HasPrefix(c.DatabaseURL, "postgresql://"):
	default:
		return c, fmt.Errorf("SILAKSO_DATABASE_URL=%q: use postgres://USER:PASSWORD@HOST:5432/DB or sqlite:PATH", redact(c.DatabaseURL))
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
		return c, fmt.Errorf("SILAKSO_REDIS_URL=%q: use redis://[:PASSWORD@]HOST:6379/0, or leave it empty for in-process sessions", redact(c.RedisURL))
	}
	return c, nil
}

// redact hides the password of a URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if i := strings.Index(raw, "@"); i >= 0 {
			return "..." + raw[i:]
		}
		return raw
	}
	return u.Redacted()
}
