package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
)

// config is everything read from the environment, once, at start-up.
type config struct {
	DataDir     string
	DatabaseURL string
	RedisURL    string
	LogLevel    slog.Level
}

// loadConfig reads and checks the environment. Errors say which variable is wrong and
// what a right value looks like.
func loadConfig(env func(string) string, defaultLevel slog.Level) (config, error) {
	c := config{
		DataDir:     env("SILAKSO_DATA_DIR"),
		DatabaseURL: env("SILAKSO_DATABASE_URL"),
		RedisURL:    env("SILAKSO_REDIS_URL"),
		LogLevel:    defaultLevel,
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
		return c, fmt.Errorf("SILAKSO_DATABASE_URL: the PostgreSQL backend is not in this build yet; use sqlite:PATH or leave it empty")
	default:
		return c, fmt.Errorf("SILAKSO_DATABASE_URL=%q: use sqlite:PATH (e.g. sqlite:data/silakso.db)", c.DatabaseURL)
	}
	if c.RedisURL != "" {
		return c, fmt.Errorf("SILAKSO_REDIS_URL: the Redis backend is not in this build yet; leave it empty for in-process sessions")
	}
	return c, nil
}
