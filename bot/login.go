package bot

import (
	"context"
	"errors"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
)

// An officer's number alone proves nothing: SMS senders can be forged and numbers are
// recycled or taken over. Commands therefore work only after MASUK <PIN> from the
// registered number on the registered channel, for Config.OfficerSession; wrong PINs
// in a row lock the officer out and alert the admins.

// PIN lengths an officer may choose.
const (
	minPIN = 4
	maxPIN = 8
)

// ErrPINShape: a PIN must be 4 to 8 digits.
var ErrPINShape = errors.New("a PIN is 4 to 8 digits")

// HashPIN checks a PIN's shape and returns its bcrypt hash, for the officer registry.
func HashPIN(pin string) (string, error) {
	if !pinShaped(pin) {
		return "", ErrPINShape
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pin), bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

func pinShaped(pin string) bool {
	if len(pin) < minPIN || len(pin) > maxPIN {
		return false
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// loggedIn reports whether the officer's session is open on this channel, and was not
// ended since by a new PIN, a lockout or a disable (o is the registry's copy, at most
// the cache's age old).
func (e *desk) loggedIn(s *session, channel string, o domain.Officer) bool {
	now := e.now()
	return s.Officer != nil && s.Officer.Channel == channel && now.Before(s.Officer.Until) &&
		s.Officer.Since.After(o.SessionsAfter) && !now.Before(o.LockedUntil)
}

// notLoggedIn is the answer to a command before MASUK, or after the session ended.
func (e *desk) notLoggedIn(s *session) locales.Msg {
	if !s.Officer.Until.IsZero() {
		s.Officer.endLogin()
		return locales.M("officer.session_ended")
	}
	return locales.M("officer.login_needed")
}

// login checks pin against the registry (read afresh: a lockout set by another
// instance counts) and opens the officer's session.
func (e *desk) login(ctx context.Context, s *session, channel string, o domain.Officer, pin string) []locales.Msg {
	if pin == "" {
		return []locales.Msg{locales.M("officer.login_usage")}
	}
	now := e.now()
	ctx, cancel := context.WithTimeout(ctx, e.cfg.CallTimeout)
	defer cancel()
	fresh, err := e.officers.src.Officer(ctx, o.Phone)
	if err != nil {
		e.log.Error("officer login: registry unavailable", "err", err)
		return []locales.Msg{locales.M("error.system")}
	}
	switch {
	case !fresh.Active || !fresh.Role.Valid():
		return []locales.Msg{locales.M("officer.no_access")}
	case fresh.Channel != channel:
		return []locales.Msg{locales.M("officer.wrong_channel")}
	case now.Before(fresh.LockedUntil):
		e.audit(ctx, o.Phone, store.AuditLoginFailed, "", channel+", locked")
		return []locales.Msg{locales.M("officer.locked", "Until", e.date(locales.Default, "format.date", fresh.LockedUntil))}
	case fresh.PINHash == "":
		return []locales.Msg{locales.M("officer.no_pin")}
	}
	// The try is counted before the PIN is compared: a guess whose count could not be
	// written is never answered.
	tried, err := e.officers.src.PINTry(ctx, o.Phone, now)
	switch {
	case err != nil:
		e.log.Error("officer login: try not counted", "err", err)
		return []locales.Msg{locales.M("error.system")}
	case now.Before(tried.LockedUntil):
		return []locales.Msg{locales.M("officer.locked", "Until", e.date(locales.Default, "format.date", tried.LockedUntil))}
	}
	if !pinShaped(pin) || bcrypt.CompareHashAndPassword([]byte(fresh.PINHash), []byte(pin)) != nil {
		after, err := e.officers.src.PINFailed(ctx, o.Phone, e.cfg.PINTries, e.cfg.LockFor, now)
		if err != nil {
			// Counted already; the lockout, if due, comes with the next try.
			e.log.Error("officer login: wrong PIN not recorded", "err", err)
			return []locales.Msg{locales.M("error.system")}
		}
		e.audit(ctx, o.Phone, store.AuditLoginFailed, "", channel)
		if now.Before(after.LockedUntil) {
			// Whoever is guessing may be holding a phone that is logged in: the lockout
			// ends that login too (other instances see it in the registry).
			s.Officer.endLogin()
			e.log.Warn("officer locked out after wrong PINs", "officer", channels.MaskPhone(o.Phone))
			until := e.date(locales.Default, "format.date", after.LockedUntil)
			e.audit(ctx, o.Phone, store.AuditLockout, "", "until "+until)
			e.alertAdmins(ctx, locales.M("officer.alert_locked", "Officer", o.Name, "Phone", dialogs.LocalPhone(o.Phone),
				"Tries", e.cfg.PINTries, "Until", until))
			return []locales.Msg{locales.M("officer.locked", "Until", until)}
		}
		return []locales.Msg{locales.M("officer.wrong_pin", "Left", e.cfg.PINTries-after.FailedPINs)}
	}
	if err := e.officers.src.PINPassed(ctx, o.Phone); err != nil {
		e.log.Warn("officer login: count of tries not cleared", "err", err)
	}
	s.Officer.Since, s.Officer.Until, s.Officer.Channel = now, now.Add(e.cfg.OfficerSession), channel
	e.audit(ctx, o.Phone, store.AuditLogin, "", channel)
	return []locales.Msg{locales.M("officer.logged_in", "Name", o.Name,
		"Until", e.date(locales.Default, "format.date", s.Officer.Until))}
}

// logout ends the officer's session (KELUAR).
func (e *desk) logout(ctx context.Context, s *session, o domain.Officer) []locales.Msg {
	e.audit(ctx, o.Phone, store.AuditLogout, "", "")
	s.Officer.endLogin()
	s.Officer.Cursor = 0
	return []locales.Msg{locales.M("officer.logged_out")}
}

// countView counts a LIHAT and alerts the admins, once an hour, when an officer opens
// more case details than the work explains (a taken-over phone reading cases).
func (e *desk) countView(ctx context.Context, s *session, o domain.Officer) {
	if e.cfg.ViewsPerHour <= 0 {
		return
	}
	now := e.now()
	st := s.Officer
	if now.Sub(st.ViewsFrom) >= time.Hour {
		st.ViewsFrom, st.Views, st.ViewsAlerted = now, 0, false
	}
	st.Views++
	if st.Views > e.cfg.ViewsPerHour && !st.ViewsAlerted {
		st.ViewsAlerted = true
		e.log.Warn("officer opened many cases within an hour", "officer", channels.MaskPhone(o.Phone), "views", st.Views)
		e.alertAdmins(ctx, locales.M("officer.alert_views", "Officer", o.Name, "Phone", dialogs.LocalPhone(o.Phone), "Count", st.Views))
	}
}

// alertAdmins queues a security alert for the active admins (the supervisors when
// there is no admin). Without an outbox it is only logged.
func (e *desk) alertAdmins(ctx context.Context, m locales.Msg) {
	if e.outbox == nil {
		e.log.Warn("security alert not sent: no outbox", "alert", m.Key)
		return
	}
	var admins, supervisors []domain.OutboxMessage
	for _, o := range e.officers.supervisors() {
		msg := e.toOfficer(o, 0, m)
		if o.Role == domain.RoleAdmin {
			admins = append(admins, msg)
		} else {
			supervisors = append(supervisors, msg)
		}
	}
	if len(admins) == 0 {
		admins = supervisors
	}
	if len(admins) == 0 {
		e.log.Warn("security alert not sent: no admin or supervisor", "alert", m.Key)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.CallTimeout)
	defer cancel()
	if err := e.outbox.Enqueue(ctx, admins, e.now()); err != nil {
		e.log.Error("security alert not queued", "alert", m.Key, "err", err)
	}
}
