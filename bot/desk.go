package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
)

// Limits on what an officer sends to a resident, so every push fits two SMS.
const (
	maxOfficerText = 200
	maxReason      = 150
	casesPerPage   = 5
)

// desk answers officers: their login, their commands, and the changes they make to
// cases (casework.go). A message from an active officer's number comes here, never to
// the intake.
type desk struct {
	*shared
	wordsOnce sync.Once
	words     map[string]officerCommand
}

// officerState is an officer's session: the login (until when, on which channel),
// where KASUS paging stands (the id below which LAGI continues, 0 before any list,
// listEnded after the last page), and the LIHAT count of the hour.
type officerState struct {
	Since   time.Time `json:"since,omitempty"`
	Until   time.Time `json:"until,omitempty"`
	Channel string    `json:"channel,omitempty"`
	Cursor  int64     `json:"cursor,omitempty"`

	ViewsFrom    time.Time `json:"views_from,omitempty"`
	Views        int       `json:"views,omitempty"`
	ViewsAlerted bool      `json:"views_alerted,omitempty"`
}

// endLogin closes the officer's login (KELUAR, a lockout, a session that ran out).
func (st *officerState) endLogin() {
	st.Since, st.Until, st.Channel = time.Time{}, time.Time{}, ""
}

const listEnded = -1

// officerCommand is what an officer's message asks for.
type officerCommand int

const (
	cmdMenu officerCommand = iota
	cmdList
	cmdMore
	cmdView
	cmdTake
	cmdReply
	cmdStatus
	cmdNote
	cmdAssign
	cmdLogin
	cmdLogout
	cmdLate
)

// officerWords maps command words (from the catalogs) to commands.
func (e *desk) officerWords() map[string]officerCommand {
	e.wordsOnce.Do(func() {
		e.words = map[string]officerCommand{}
		for key, cmd := range map[string]officerCommand{
			"word.officer.menu": cmdMenu, "word.officer.list": cmdList, "word.officer.more": cmdMore,
			"word.officer.view": cmdView, "word.officer.take": cmdTake, "word.officer.reply": cmdReply,
			"word.officer.status": cmdStatus, "word.officer.note": cmdNote, "word.officer.assign": cmdAssign,
			"word.officer.login": cmdLogin, "word.officer.logout": cmdLogout, "word.officer.late": cmdLate,
		} {
			for _, w := range e.catalog.Words(key) {
				e.words[w] = cmd
			}
		}
	})
	return e.words
}

// statusWord reads a status an officer typed.
func (e *desk) statusWord(w string) (domain.Status, bool) {
	for key, st := range map[string]domain.Status{
		"word.officer.in_process": domain.StatusInProcess, "word.officer.referred": domain.StatusReferred,
		"word.officer.done": domain.StatusDone, "word.officer.rejected": domain.StatusRejected,
	} {
		for _, v := range e.catalog.Words(key) {
			if v == w {
				return st, true
			}
		}
	}
	return "", false
}

// menuUsage is what each numbered menu entry explains; the last (ALIH) is on the
// supervisors' and admins' menu only. Entries 1 (KASUS) and 7 (TELAT) need nothing
// more and run at once.
var menuUsage = []string{"officer.usage_list", "officer.usage_view", "officer.usage_take", "officer.usage_reply", "officer.usage_status", "officer.usage_note", "officer.usage_late", "officer.usage_assign"}

const menuLate = 7

// officerTurn answers a registered officer. Officers never go through the intake, and
// their commands work only once they are logged in on their own channel.
func (e *desk) officerTurn(ctx context.Context, s *session, channel, text string, o domain.Officer) []locales.Msg {
	if s.Officer == nil {
		s.Officer = &officerState{}
	}
	switch {
	case !o.Role.Valid():
		return []locales.Msg{locales.M("officer.no_access")}
	case channel != o.Channel:
		// A forged SMS, or a taken-over WhatsApp, from the officer's number.
		return []locales.Msg{locales.M("officer.wrong_channel")}
	}
	fields := strings.Fields(text)
	word := ""
	if len(fields) > 0 {
		word = strings.ToUpper(strings.TrimRight(fields[0], ".,:"))
	}
	if cmd, ok := e.officerWords()[word]; ok {
		switch {
		case cmd == cmdLogin && len(fields) == 2:
			return e.login(ctx, s, channel, o, fields[1])
		case cmd == cmdLogin:
			// MASUK alone, or with more than a PIN: never taken for another command.
			return []locales.Msg{locales.M("officer.login_usage")}
		case cmd == cmdLogout:
			return e.logout(ctx, s, o)
		}
	}
	if !e.loggedIn(s, channel, o) {
		return []locales.Msg{e.notLoggedIn(s)}
	}
	if len(fields) == 0 {
		return []locales.Msg{e.officerMenu(o)}
	}
	if n, err := strconv.Atoi(word); err == nil && len(fields) == 1 {
		entries := len(menuUsage)
		if !o.Oversees() {
			entries-- // ALIH is only on supervisors' and admins' menu
		}
		switch {
		case n == 1:
			return e.listCases(ctx, s, o, 0)
		case n == menuLate:
			return e.lateCases(ctx, o)
		case n >= 2 && n <= entries:
			return []locales.Msg{locales.M(menuUsage[n-1])}
		}
		return []locales.Msg{e.officerMenu(o)}
	}
	cmd, ok := e.officerWords()[word]
	if !ok {
		return []locales.Msg{e.officerMenu(o)}
	}
	switch cmd {
	case cmdList:
		return e.listCases(ctx, s, o, 0)
	case cmdMore:
		switch s.Officer.Cursor {
		case 0:
			return e.listCases(ctx, s, o, 0)
		case listEnded:
			s.Officer.Cursor = 0
			return []locales.Msg{locales.M("officer.list_end")}
		}
		return e.listCases(ctx, s, o, s.Officer.Cursor)
	case cmdMenu:
		return []locales.Msg{e.officerMenu(o)}
	case cmdLate:
		return e.lateCases(ctx, o)
	}

	// The other commands name a ticket, and some take text after it.
	usage := map[officerCommand]string{cmdView: "officer.usage_view", cmdTake: "officer.usage_take",
		cmdReply: "officer.usage_reply", cmdStatus: "officer.usage_status", cmdNote: "officer.usage_note",
		cmdAssign: "officer.usage_assign"}[cmd]
	if len(fields) < 2 {
		return []locales.Msg{locales.M(usage)}
	}
	typed := fields[1]
	ticket, err := domain.ParseTicket(typed)
	switch {
	case errors.Is(err, domain.ErrTicketMistyped):
		return []locales.Msg{locales.M("officer.mistyped", "Ticket", dialogs.Shorten(typed, 20))}
	case err != nil:
		return []locales.Msg{locales.M(usage)}
	}
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(text, fields[0])), typed))
	// An officer's words reach the resident and the case's record: a NIK typed in them
	// ("NIK suami 1904...") is masked like a resident's.
	rest = dialogs.MaskNIKs(rest)
	switch cmd {
	case cmdView:
		e.countView(ctx, s, o)
		return e.viewCase(ctx, o, ticket)
	case cmdTake:
		return e.changeCase(ctx, o, ticket, e.take(o))
	case cmdReply:
		return e.replyToResident(ctx, o, ticket, rest)
	case cmdStatus:
		return e.setStatus(ctx, o, ticket, rest)
	case cmdAssign:
		return e.assign(ctx, o, ticket, rest)
	default: // cmdNote
		if rest == "" {
			return []locales.Msg{locales.M("officer.usage_note")}
		}
		return e.changeCase(ctx, o, ticket, func(c domain.Case) (domain.CaseUpdate, locales.Msg, error) {
			return domain.CaseUpdate{Events: []domain.Event{{Actor: o.Phone, Kind: "note", Note: rest}}},
				locales.M("officer.noted", "Ticket", c.Ticket), nil
		})
	}
}

func (e *desk) officerMenu(o domain.Officer) locales.Msg {
	if o.Oversees() {
		// Supervisors and admins move cases between officers too.
		return locales.M("officer.menu_supervisor", "Name", o.Name)
	}
	return locales.M("officer.menu", "Name", o.Name)
}

// scope is the kecamatan an officer sees (nil: all).
func scope(o domain.Officer) []string {
	if o.Oversees() {
		return nil
	}
	return append([]string{}, o.Kecamatan...)
}

func (e *desk) listCases(ctx context.Context, s *session, o domain.Officer, before int64) []locales.Msg {
	e.audit(ctx, o.Phone, store.AuditList, "", strings.Join(scope(o), ","))
	cases, err := e.cases.OpenCases(ctx, scope(o), before, casesPerPage+1)
	if err != nil {
		e.log.Error("open cases failed", "err", err)
		return []locales.Msg{locales.M("error.system")}
	}
	if len(cases) == 0 {
		s.Officer.Cursor = 0
		if before > 0 {
			return []locales.Msg{locales.M("officer.list_end")}
		}
		if o.Oversees() {
			// A supervisor sees every kecamatan: "in your area" would not say so.
			return []locales.Msg{locales.M("officer.list_empty_all")}
		}
		return []locales.Msg{locales.M("officer.list_empty")}
	}
	more := len(cases) > casesPerPage
	if more {
		cases = cases[:casesPerPage]
	}
	lines := make(locales.List, len(cases))
	for i, c := range cases {
		mine := any("")
		if c.AssignedTo == o.Phone {
			mine = locales.M("officer.list_mine")
		}
		desa := c.Desa
		if desa == "" {
			desa = "-" // a question has no desa
		}
		lines[i] = locales.M("officer.list_line", "Ticket", c.Ticket, "Status", string(c.Status), "Desa", desa,
			"Need", locales.M("need."+c.Need), "Date", e.date(locales.Default, "format.day", c.FiledAt), "Mine", mine)
	}
	if more {
		s.Officer.Cursor = cases[len(cases)-1].ID
		return []locales.Msg{locales.M("officer.list_more", "Lines", lines)}
	}
	s.Officer.Cursor = listEnded
	return []locales.Msg{locales.M("officer.list", "Lines", lines)}
}
