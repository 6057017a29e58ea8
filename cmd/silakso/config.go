package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot"
	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/gammu"
	"github.com/dinsospmd-bateng/silakso/channels/gsm7"
	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
	"github.com/dinsospmd-bateng/silakso/channels/twilio"
)

// config is everything read from the environment, once, at start-up.
type config struct {
	DataDir     string
	DatabaseURL string
	RedisURL    string
	// RedisPrefix starts every Redis key, so deployments can share one Redis.
	RedisPrefix string
	LogLevel    slog.Level

	// serve only
	HTTPAddr  string
	PublicURL string
	Twilio    twilio.Config
	// SendConcurrency is how many sends may be in flight at once.
	SendConcurrency int
	// SendRate caps sends per second per channel (0: no cap).
	SendRate float64
	// EscalateAfter is how long a new case may wait untaken before supervisors hear.
	EscalateAfter time.Duration
	// LateAfter is how long a resident may wait for the first response before the
	// case counts as late (TELAT, silakso report).
	LateAfter time.Duration
	// SurveyOn are the closing statuses that ask the satisfaction survey (empty: none).
	SurveyOn []domain.Status
	// OfficerSession is how long an officer's MASUK lasts; OfficerLock how long five
	// wrong PINs lock them out.
	OfficerSession, OfficerLock time.Duration
	// Instances is how many serve processes the operator runs side by side.
	Instances int
	// WhatsApp switches on the direct WhatsApp channel (a linked device).
	WhatsApp bool
	// WhatsAppStore is where the linked device's keys live: the case database when it
	// is PostgreSQL, else a SQLite file next to the case database.
	WhatsAppStore string
	// GammuURL is Gammu SMSD's database; set, it switches the Gammu SMS channel on.
	GammuURL string
	Gammu    gammu.Config
	// GammuRate caps SMS sent through the modem per minute, for the SIM card.
	GammuRate float64
	// SMSGate is the Android gateway phone; SMSGATE_URL switches the channel on.
	SMSGate smsgate.Config
	// SMSGateRate caps SMS sent through the gateway phone per minute, for its SIM card.
	SMSGateRate float64
	// SMSGateCloud allows the public cloud as the gateway (a pilot).
	SMSGateCloud bool
	// Office is the office's own contact, given to residents who ask for a human.
	Office bot.Office
	// InternalAddr, if set, serves /metrics and the detailed /readyz apart from the
	// public listener; DebugAddr serves pprof, on loopback only.
	InternalAddr, DebugAddr string
	// Countries are the calling codes replies and pushes may go to.
	Countries []string
	// DataKey seals residents' personal data in the case database; OldDataKeys open
	// what older keys sealed. Nil: the embedded mode's own key (dataKeyring).
	DataKey     []byte
	OldDataKeys [][]byte
	// Retention is how long each kind of data is kept (silakso purge).
	Retention retention
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
	c.HTTPAddr = env("SILAKSO_HTTP_ADDR")
	if c.HTTPAddr == "" {
		c.HTTPAddr = ":8080"
	}
	c.PublicURL = strings.TrimSuffix(env("SILAKSO_PUBLIC_URL"), "/")
	var err error
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "https://") && !loopbackURL(c.PublicURL) {
		return c, fmt.Errorf("SILAKSO_PUBLIC_URL=%q: use https:// (webhooks carry residents' NIKs and names; plain http only to 127.0.0.1 or localhost, for tests)", c.PublicURL)
	}
	if c.DataKey, c.OldDataKeys, err = readDataKeys(env); err != nil {
		return c, err
	}
	if c.Retention, err = readRetention(env); err != nil {
		return c, err
	}
	c.InternalAddr = env("SILAKSO_INTERNAL_ADDR")
	if c.DebugAddr = env("SILAKSO_DEBUG_ADDR"); c.DebugAddr != "" && !loopbackAddr(c.DebugAddr) {
		return c, fmt.Errorf("SILAKSO_DEBUG_ADDR=%q: profiling is served on loopback only, e.g. 127.0.0.1:6060", c.DebugAddr)
	}
	c.Countries = []string{"62"}
	if v := env("SILAKSO_SEND_COUNTRIES"); v != "" {
		c.Countries = nil
		for _, cc := range strings.Split(v, ",") {
			cc = strings.TrimPrefix(strings.TrimSpace(cc), "+")
			if cc == "" || len(cc) > 3 || strings.Trim(cc, "0123456789") != "" {
				return c, fmt.Errorf("SILAKSO_SEND_COUNTRIES=%q: use calling codes separated by commas, e.g. 62 or 62,60", v)
			}
			c.Countries = append(c.Countries, cc)
		}
	}
	if c.SendConcurrency, err = intEnv(env, "SILAKSO_SEND_CONCURRENCY", 64); err != nil || c.SendConcurrency < 1 {
		return c, fmt.Errorf("SILAKSO_SEND_CONCURRENCY=%q: use how many messages may be sent at once, e.g. 64", env("SILAKSO_SEND_CONCURRENCY"))
	}
	if c.SendRate, err = floatEnv(env, "SILAKSO_SEND_RATE", 0); err != nil || c.SendRate < 0 {
		return c, fmt.Errorf("SILAKSO_SEND_RATE=%q: use messages per second per channel, e.g. 10, or 0 for no cap", env("SILAKSO_SEND_RATE"))
	}
	if c.Instances, err = intEnv(env, "SILAKSO_INSTANCES", 1); err != nil || c.Instances < 1 {
		return c, fmt.Errorf("SILAKSO_INSTANCES=%q: use the number of silakso serve instances, e.g. 2", env("SILAKSO_INSTANCES"))
	}
	if v := env("SILAKSO_ESCALATE_AFTER"); v != "" {
		if c.EscalateAfter, err = time.ParseDuration(v); err != nil || c.EscalateAfter <= 0 {
			return c, fmt.Errorf("SILAKSO_ESCALATE_AFTER=%q: use a duration such as 24h", v)
		}
	} else {
		c.EscalateAfter = 24 * time.Hour
	}
	c.LateAfter = 72 * time.Hour // first response within 3 days, as public complaint channels promise
	if c.SurveyOn, err = readSurvey(env("SILAKSO_SURVEY")); err != nil {
		return c, err
	}
	if v := env("SILAKSO_LATE_AFTER"); v != "" {
		if c.LateAfter, err = parseDays(v); err != nil || c.LateAfter <= 0 {
			return c, fmt.Errorf("SILAKSO_LATE_AFTER=%q: use a duration such as 3d or 72h", v)
		}
	}
	for _, d := range []struct {
		name string
		to   *time.Duration
		def  time.Duration
	}{{"SILAKSO_OFFICER_SESSION", &c.OfficerSession, 8 * time.Hour}, {"SILAKSO_OFFICER_LOCK", &c.OfficerLock, 30 * time.Minute}} {
		*d.to = d.def
		if v := env(d.name); v != "" {
			if *d.to, err = time.ParseDuration(v); err != nil || *d.to < time.Minute || *d.to > 7*24*time.Hour {
				return c, fmt.Errorf("%s=%q: use a duration between 1m and 168h, such as %v", d.name, v, d.def)
			}
		}
	}
	retries := false
	switch v := env("TWILIO_WEBHOOK_RETRIES"); strings.ToLower(v) {
	case "on", "true", "1", "yes":
		retries = true
	case "", "off", "false", "0", "no":
	default:
		return c, fmt.Errorf("TWILIO_WEBHOOK_RETRIES=%q: use on (Twilio retries failed webhooks, README step 3) or off", v)
	}
	c.Twilio = twilio.Config{
		Retries:             retries,
		AccountSID:          env("TWILIO_ACCOUNT_SID"),
		AuthToken:           env("TWILIO_AUTH_TOKEN"),
		SMSFrom:             env("TWILIO_FROM"),
		WhatsAppFrom:        strings.TrimPrefix(env("TWILIO_WHATSAPP_FROM"), "whatsapp:"),
		PublicURL:           c.PublicURL,
		APIBaseURL:          env("TWILIO_API_BASE_URL"),
		WhatsAppTemplateSID: env("TWILIO_WHATSAPP_TEMPLATE_SID"),
	}
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite:" + filepath.Join(c.DataDir, "silakso.db")
	}
	switch v := env("SILAKSO_WHATSAPP"); strings.ToLower(v) {
	case "on", "true", "1", "yes":
		c.WhatsApp = true
	case "", "off", "false", "0", "no":
	default:
		return c, fmt.Errorf("SILAKSO_WHATSAPP=%q: use on or off", v)
	}
	c.WhatsAppStore = c.DatabaseURL
	if path, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:"); ok {
		c.WhatsAppStore = "sqlite:" + filepath.Join(filepath.Dir(path), "whatsapp.db")
	}
	if err := c.loadGammu(env); err != nil {
		return c, err
	}
	if err := c.loadSMSGate(env); err != nil {
		return c, err
	}
	if err := c.loadOffice(env); err != nil {
		return c, err
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

func intEnv(env func(string) string, key string, def int) (int, error) {
	if v := env(key); v != "" {
		return strconv.Atoi(v)
	}
	return def, nil
}

func floatEnv(env func(string) string, key string, def float64) (float64, error) {
	if v := env(key); v != "" {
		return strconv.ParseFloat(v, 64)
	}
	return def, nil
}

// twilioEnabled reports whether the Twilio channel is configured (by its auth token).
func (c config) twilioEnabled() bool { return c.Twilio.AuthToken != "" }

// checkServe checks what only serve needs: a channel that is switched on must be
// complete, or residents would write into a void.
func (c config) checkServe() error {
	// Several instances must share their state: in-process sessions would split one
	// resident's conversation between processes, and a SQLite file cannot be shared.
	if c.Instances > 1 && c.RedisURL == "" {
		return fmt.Errorf("SILAKSO_INSTANCES=%d needs SILAKSO_REDIS_URL: in-process sessions cannot be shared between instances", c.Instances)
	}
	if c.Instances > 1 && strings.HasPrefix(c.DatabaseURL, "sqlite:") {
		return fmt.Errorf("SILAKSO_INSTANCES=%d needs SILAKSO_DATABASE_URL=postgres://...: a SQLite file cannot be shared between instances", c.Instances)
	}
	// A linked device has one connection to WhatsApp; a second process using it would
	// take the connection away from the first, back and forth.
	if c.Instances > 1 && c.WhatsApp {
		return fmt.Errorf("SILAKSO_WHATSAPP=on with SILAKSO_INSTANCES=%d: a linked WhatsApp number keeps one connection; run one instance, or use Twilio's WhatsApp sender (TWILIO_WHATSAPP_FROM) for several", c.Instances)
	}
	if c.smsgateEnabled() {
		if err := c.checkSMSGate(); err != nil {
			return err
		}
	}
	if !c.twilioEnabled() {
		return nil
	}
	switch {
	case !alphanumeric(c.Twilio.AuthToken):
		return fmt.Errorf("TWILIO_AUTH_TOKEN: not an auth token (it is letters and digits only; copy it again from the Twilio console)")
	case c.Twilio.AccountSID == "":
		return fmt.Errorf("TWILIO_ACCOUNT_SID is not set (TWILIO_AUTH_TOKEN is): both come from the Twilio console")
	case !twilioSID("AC", c.Twilio.AccountSID):
		return fmt.Errorf("TWILIO_ACCOUNT_SID=%q: use the account SID from the Twilio console (AC and 32 hex digits)", c.Twilio.AccountSID)
	case c.PublicURL == "":
		return fmt.Errorf("SILAKSO_PUBLIC_URL is not set: Twilio signs each webhook with the URL it calls, e.g. https://silakso.example.go.id")
	case !strings.HasPrefix(c.PublicURL, "https://") && !strings.HasPrefix(c.PublicURL, "http://"):
		return fmt.Errorf("SILAKSO_PUBLIC_URL=%q: use the full URL Twilio calls, e.g. https://silakso.example.go.id", c.PublicURL)
	case c.Twilio.SMSFrom == "" && c.Twilio.WhatsAppFrom == "":
		return fmt.Errorf("set TWILIO_FROM (SMS number or MG... service) and/or TWILIO_WHATSAPP_FROM, or replies cannot be sent")
	case c.Twilio.SMSFrom != "" && !channels.IsE164(c.Twilio.SMSFrom) && !twilioSID("MG", c.Twilio.SMSFrom):
		return fmt.Errorf("TWILIO_FROM=%q: use the sending number as +62... or a Messaging Service SID (MG and 32 hex digits)", c.Twilio.SMSFrom)
	case c.Twilio.WhatsAppFrom != "" && !channels.IsE164(c.Twilio.WhatsAppFrom):
		return fmt.Errorf("TWILIO_WHATSAPP_FROM=%q: use the WhatsApp sender number as +62...", c.Twilio.WhatsAppFrom)
	case c.Twilio.WhatsAppTemplateSID != "" && !twilioSID("HX", c.Twilio.WhatsAppTemplateSID):
		return fmt.Errorf("TWILIO_WHATSAPP_TEMPLATE_SID=%q: use the approved template's Content SID (HX and 32 hex digits)", c.Twilio.WhatsAppTemplateSID)
	}
	return nil
}

// twilioSID reports whether s is a Twilio SID of the given kind: the prefix and 32 hex
// digits.
func twilioSID(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) != 32 {
		return false
	}
	for _, r := range rest {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
			return false
		}
	}
	return true
}

// alphanumeric reports whether s is letters and digits only, as Twilio's credentials
// are (twilio-go refuses anything else on every send).
func alphanumeric(s string) bool {
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// SpoolDir is where this instance keeps parked filings.
func (c config) SpoolDir() string { return filepath.Join(c.DataDir, "parked") }

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

// loadOffice reads the office's contact, which menu 4 gives residents. The lengths keep
// that message within one SMS, and GSM-7 keeps it from costing three.
func (c *config) loadOffice(env func(string) string) error {
	for _, f := range []struct {
		key string
		to  *string
		max int
		eg  string
	}{
		{"SILAKSO_OFFICE_PHONE", &c.Office.Phone, 20, "0718-41234 or 0812-3456-7890"},
		{"SILAKSO_OFFICE_HOURS", &c.Office.Hours, 30, "Senin-Jumat 08.00-15.30"},
		{"SILAKSO_OFFICE_ADDRESS", &c.Office.Address, 50, "Jl. Raya Koba No. 1, Koba"},
	} {
		v := strings.TrimSpace(env(f.key))
		if len([]rune(v)) > f.max || !gsm7.Valid(v) {
			return fmt.Errorf("%s=%q: at most %d plain characters (it goes into one SMS), e.g. %s", f.key, v, f.max, f.eg)
		}
		*f.to = v
	}
	return nil
}

// loopbackURL reports whether u names this machine (http://127.0.0.1:8080, http://localhost).
func loopbackURL(u string) bool {
	parsed, err := url.Parse(u)
	return err == nil && isLoopback(parsed.Hostname())
}

// loopbackAddr reports whether a listen address is on loopback only, with a port.
func loopbackAddr(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	n, perr := strconv.Atoi(port)
	return err == nil && isLoopback(host) && perr == nil && n > 0 && n < 65536
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseDays reads a duration in days ("90d") or as Go writes one ("36h").
func parseDays(v string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 36500 {
			return 0, fmt.Errorf("%q: not a number of days", v)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(v)
}

// readSurvey reads SILAKSO_SURVEY: the closing statuses after which residents are
// asked the satisfaction question ("selesai", the default, "selesai,ditolak"), or off.
func readSurvey(v string) ([]domain.Status, error) {
	switch v = strings.TrimSpace(v); v {
	case "":
		return []domain.Status{domain.StatusDone}, nil
	case "off":
		return []domain.Status{}, nil
	}
	var out []domain.Status
	for _, w := range strings.Split(v, ",") {
		st := domain.Status(strings.ToLower(strings.TrimSpace(w)))
		if !st.Closed() {
			return nil, fmt.Errorf("SILAKSO_SURVEY=%q: use %s, %s,%s, or off", v, domain.StatusDone, domain.StatusDone, domain.StatusRejected)
		}
		out = append(out, st)
	}
	return out, nil
}
