package main

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
)

// defaultSMSGateRate is the SMS per minute sent through the gateway phone's SIM card
// unless SMSGATE_SEND_RATE says otherwise: the same reasoning as for the Gammu modem
// (defaultGammuRate); Android itself also holds back an app that sends more than 30 SMS
// in 30 minutes until the user allows it on the phone (README).
const defaultSMSGateRate = 10

// loadSMSGate reads the Android gateway's settings. SMSGATE_URL switches the channel on.
func (c *config) loadSMSGate(env func(string) string) error {
	c.SMSGate = smsgate.Config{
		URL: strings.TrimSuffix(env("SMSGATE_URL"), "/"), User: env("SMSGATE_USER"), Password: env("SMSGATE_PASSWORD"),
		// A key pasted with a space around it would refuse every event.
		Token: env("SMSGATE_TOKEN"), SigningKey: strings.TrimSpace(env("SMSGATE_SIGNING_KEY")), DeviceID: env("SMSGATE_DEVICE_ID"),
		PublicURL: c.PublicURL,
	}
	var err error
	if c.SMSGateRate, err = floatEnv(env, "SMSGATE_SEND_RATE", defaultSMSGateRate); err != nil || c.SMSGateRate <= 0 {
		return fmt.Errorf("SMSGATE_SEND_RATE=%q: use SMS per minute for the phone's SIM card, e.g. %d", env("SMSGATE_SEND_RATE"), defaultSMSGateRate)
	}
	if v := env("SMSGATE_SIM"); v != "" {
		if c.SMSGate.SIM, err = strconv.Atoi(v); err != nil || c.SMSGate.SIM < 1 || c.SMSGate.SIM > 3 {
			return fmt.Errorf("SMSGATE_SIM=%q: use the SIM slot to send from, 1, 2 or 3 (or leave it empty for the phone's choice)", v)
		}
	}
	if v := env("SMSGATE_ALERT_AFTER"); v != "" {
		if c.SMSGate.AlertAfter, err = time.ParseDuration(v); err != nil || c.SMSGate.AlertAfter <= 0 {
			return fmt.Errorf("SMSGATE_ALERT_AFTER=%q: use a duration such as 30m", v)
		}
	}
	switch v := env("SMSGATE_ALLOW_CLOUD"); strings.ToLower(v) {
	case "on", "true", "1", "yes":
		c.SMSGateCloud = true
	case "", "off", "false", "0", "no":
	default:
		return fmt.Errorf("SMSGATE_ALLOW_CLOUD=%q: use on (a pilot on the public cloud) or off", v)
	}
	c.SMSGate = c.SMSGate.WithDefaults()
	if c.SMSGate.URL == "" {
		for _, k := range []string{"SMSGATE_USER", "SMSGATE_PASSWORD", "SMSGATE_TOKEN", "SMSGATE_SIGNING_KEY", "SMSGATE_DEVICE_ID"} {
			if env(k) != "" {
				return fmt.Errorf("%s is set but SMSGATE_URL is not: set the gateway's address too, e.g. http://192.168.1.20:8080, or unset %s", k, k)
			}
		}
	}
	return nil
}

// minSigningKey is the shortest webhook signing key taken: the app's own is 8
// characters, which one captured event lets anyone find by trying them all.
const minSigningKey = 16

// publicCloud reports whether a gateway URL is the project's public cloud.
func publicCloud(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return h == "sms-gate.app" || strings.HasSuffix(h, ".sms-gate.app")
}

// smsgateEnabled reports whether the Android gateway channel is configured.
func (c config) smsgateEnabled() bool { return c.SMSGate.URL != "" }

// checkSMSGate checks what serve needs of the gateway: where to send, how to sign in,
// and the key to check the phone's events with.
func (c config) checkSMSGate() error {
	g := c.SMSGate
	if _, err := smsgate.NewClient(g); err != nil {
		return err
	}
	switch {
	case g.Token == "" && g.User != "" && g.Password == "":
		return fmt.Errorf("SMSGATE_PASSWORD is not set (SMSGATE_USER is): copy it from the app, where the user name is")
	case g.Token == "" && g.User == "" && g.Password != "":
		return fmt.Errorf("SMSGATE_USER is not set (SMSGATE_PASSWORD is): copy it from the app (sms on the phone's local server)")
	case g.Token == "" && (g.User == "" || g.Password == ""):
		return fmt.Errorf("SMSGATE_URL is set without credentials: set SMSGATE_USER and SMSGATE_PASSWORD (shown in the app), or SMSGATE_TOKEN")
	case g.Token != "" && g.User != "":
		return fmt.Errorf("set SMSGATE_TOKEN or SMSGATE_USER/SMSGATE_PASSWORD, not both")
	case g.SigningKey == "":
		return fmt.Errorf("SMSGATE_SIGNING_KEY is not set: copy the webhook signing key from the app (Settings, Webhooks), or anyone could post SMS in a resident's name")
	case len(g.SigningKey) < minSigningKey:
		return fmt.Errorf("SMSGATE_SIGNING_KEY has %d characters: set a key of at least %d in the app (Settings, Webhooks), e.g. from openssl rand -hex 24; a short one can be guessed from one event", len(g.SigningKey), minSigningKey)
	case publicCloud(g.URL) && !c.SMSGateCloud:
		return fmt.Errorf("SMSGATE_URL=%q is the public cloud: every reply's text passes through a server outside the regency; use the phone's local server or a private server, or set SMSGATE_ALLOW_CLOUD=on for a pilot", g.URL)
	case c.PublicURL == "":
		return fmt.Errorf("SILAKSO_PUBLIC_URL is not set: the phone posts its events to SILAKSO_PUBLIC_URL%s", smsgate.EventsPath)
	case !strings.HasPrefix(c.PublicURL, "https://") && !strings.HasPrefix(c.PublicURL, "http://127.0.0.1"):
		return fmt.Errorf("SILAKSO_PUBLIC_URL=%q: the phone posts its events only to https:// addresses (or http://127.0.0.1), e.g. https://silakso.example.go.id", c.PublicURL)
	case !strings.HasPrefix(g.URL, "https://") && !privateHost(g.URL):
		return fmt.Errorf("SMSGATE_URL=%q: plain http only to the phone on the office network (a private address); use https:// for a server", g.URL)
	}
	return nil
}

// privateHost reports whether a URL's host is on this machine or the office's own
// network, where the phone's local server speaks plain http: a private address, or a
// name that only a local network resolves (hp-gateway, hp-gateway.local, .lan).
func privateHost(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	if h == "localhost" || (h != "" && !strings.Contains(h, ".")) ||
		strings.HasSuffix(h, ".local") || strings.HasSuffix(h, ".lan") || strings.HasSuffix(h, ".home.arpa") {
		return true
	}
	ip, err := netip.ParseAddr(u.Hostname())
	return err == nil && (ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast())
}
