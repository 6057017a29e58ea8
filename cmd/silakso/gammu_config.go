package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// defaultGammuRate is the SMS per minute sent through one SIM card unless
// SILAKSO_GAMMU_SEND_RATE says otherwise. Indonesian operators block prepaid SIM cards
// that send like a bulk sender; one message every six seconds (600 an hour at most, and
// far fewer in practice) stays well clear of that while a modem, which takes a few
// seconds per SMS anyway, keeps up with a dozen residents writing at once.
const defaultGammuRate = 10

// loadGammu reads the Gammu channel's settings.
func (c *config) loadGammu(env func(string) string) error {
	c.GammuURL = env("SILAKSO_GAMMU_DATABASE_URL")
	c.Gammu.PhoneID = env("SILAKSO_GAMMU_PHONE_ID")
	var err error
	if c.GammuRate, err = floatEnv(env, "SILAKSO_GAMMU_SEND_RATE", defaultGammuRate); err != nil || c.GammuRate <= 0 {
		return fmt.Errorf("SILAKSO_GAMMU_SEND_RATE=%q: use SMS per minute for the SIM card, e.g. %d", env("SILAKSO_GAMMU_SEND_RATE"), defaultGammuRate)
	}
	switch v := env("SILAKSO_GAMMU_DELIVERY_REPORTS"); strings.ToLower(v) {
	case "on", "true", "1", "yes":
		c.Gammu.DeliveryReports = true
	case "", "off", "false", "0", "no":
	default:
		return fmt.Errorf("SILAKSO_GAMMU_DELIVERY_REPORTS=%q: use on or off", v)
	}
	for _, d := range []struct {
		key string
		to  *time.Duration
		eg  string
	}{
		{"SILAKSO_GAMMU_STALE_AFTER", &c.Gammu.StaleAfter, "3m"},
		{"SILAKSO_GAMMU_ALERT_AFTER", &c.Gammu.AlertAfter, "30m"},
		{"SILAKSO_GAMMU_PARTS_WAIT", &c.Gammu.PartsWait, "60s"},
	} {
		if v := env(d.key); v != "" {
			if *d.to, err = time.ParseDuration(v); err != nil || *d.to <= 0 {
				return fmt.Errorf("%s=%q: use a duration such as %s", d.key, v, d.eg)
			}
		}
	}
	// The defaults are set here, so that every use (readiness, the alert, the check
	// command) sees the same values.
	c.Gammu = c.Gammu.WithDefaults()
	if c.GammuURL == "" {
		return nil
	}
	if path, ok := strings.CutPrefix(c.GammuURL, "sqlite:"); ok {
		switch {
		case path == "":
			return fmt.Errorf("SILAKSO_GAMMU_DATABASE_URL=%q: name the file of gammu-smsd's smsdrc (dbdir + database), e.g. sqlite:/var/lib/gammu/gammu.db", c.GammuURL)
		case sameFile(path, strings.TrimPrefix(c.DatabaseURL, "sqlite:")):
			return fmt.Errorf("SILAKSO_GAMMU_DATABASE_URL is the case database: Gammu's tables need a file of their own (both have a table named outbox)")
		case c.Instances > 1:
			return fmt.Errorf("SILAKSO_GAMMU_DATABASE_URL=%q with SILAKSO_INSTANCES=%d: Gammu's SQLite file is read by one instance; keep Gammu's tables in PostgreSQL for several", c.GammuURL, c.Instances)
		}
		return nil
	}
	if !strings.HasPrefix(c.GammuURL, "postgres://") && !strings.HasPrefix(c.GammuURL, "postgresql://") {
		return fmt.Errorf("SILAKSO_GAMMU_DATABASE_URL=%q: use postgres://USER:PASSWORD@HOST:5432/gammu or sqlite:PATH, the database in gammu-smsd's smsdrc", redact(c.GammuURL))
	}
	if sameDatabase(c.GammuURL, c.DatabaseURL) {
		return fmt.Errorf("SILAKSO_GAMMU_DATABASE_URL is the case database: Gammu's tables need a database of their own (both have a table named outbox), e.g. postgres://.../gammu on the same server")
	}
	return nil
}

// sameDatabase reports whether two PostgreSQL URLs name one database (host, port and
// name; user, password and options aside).
func sameDatabase(a, b string) bool {
	key := func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil {
			return raw
		}
		port := u.Port()
		if port == "" {
			port = "5432"
		}
		return strings.ToLower(u.Hostname()) + ":" + port + u.Path
	}
	return key(a) == key(b)
}

// sameFile reports whether two paths name one file, however they are written.
func sameFile(a, b string) bool {
	abs := func(p string) string {
		if q, err := filepath.Abs(p); err == nil {
			return q
		}
		return filepath.Clean(p)
	}
	return abs(a) == abs(b)
}
