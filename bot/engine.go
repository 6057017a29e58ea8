// Package bot is the engine: one turn per inbound message. A turn drops duplicates,
// waits for the sender's previous turn, loads the session, answers always-on keywords
// or runs the dialog step, files the case when the intake is confirmed, saves the
// session and returns the replies. It knows nothing about HTTP, providers or SQL.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/seal"
)

// Config tunes the engine; zero values take the defaults.
type Config struct {
	// SessionTTL is how long an idle conversation is kept (default 30 days), and so how
	// long an unfinished intake can be resumed.
	SessionTTL time.Duration
	// ResumeAfter is the silence after which an unfinished intake is offered for
	// resuming instead of taking the next message as an answer (default 30 minutes).
	ResumeAfter time.Duration
	// TurnTimeout bounds one turn, including the wait for the sender's previous turn
	// (default 8 s, so that a turn that fails still answers the provider in time for a
	// retry within Twilio's 15 s). The wait takes at most 40 % of it; every call to the
	// case database takes at most CallTimeout.
	TurnTimeout time.Duration
	// CallTimeout bounds each call to the case database within a turn (default 3 s).
	CallTimeout time.Duration
	// MaxText is the longest message read, in characters; longer ones are cut before
	// processing (default 4,096: WhatsApp's longest text; an SMS reaches Twilio with at
	// most 1,600 and through a modem with ten parts at most; anything longer is forged
	// or pasted, and only costs work).
	MaxText int
	// Zone is the local time zone for dates shown to residents (default WIB, UTC+7).
	Zone *time.Location
	// Office is how residents reach the office other than by this number (menu 4 and
	// the help text); empty fields are left out.
	Office Office
	// OfficerSession is how long an officer's MASUK lasts (default 8 hours).
	OfficerSession time.Duration
	// PINTries wrong PINs in a row lock an officer out for LockFor (defaults 5 and 30
	// minutes) and alert the admins.
	PINTries int
	LockFor  time.Duration
	// ViewsPerHour is how many LIHAT an officer may send in an hour before the admins
	// are alerted (default 30; negative: never).
	ViewsPerHour int
	// SurveyOn are the statuses whose push asks the resident the satisfaction
	// question (nil: selesai; ditolak may be added; empty: never). Questions and data
	// requests are never surveyed.
	SurveyOn []domain.Status
	// SurveyRemindAfter is when an unanswered survey is asked once more (default 2
	// days); SurveyLapse when an answer is no longer taken (default 7 days after the
	// last asking).
	SurveyRemindAfter, SurveyLapse time.Duration
	// LateAfter is how long a resident may wait for the first response before the case
	// is late (TELAT; default 3 days).
	LateAfter time.Duration
}

// Office is the office's own contact, from the configuration.
type Office struct {
	// Phone is a telephone or WhatsApp number, as residents should dial it.
	Phone string
	// Hours are the opening hours ("Senin-Jumat 08.00-15.30").
	Hours string
	// Address is where the office is.
	Address string
}

func (c Config) withDefaults() Config {
	if c.SessionTTL == 0 {
		c.SessionTTL = 30 * 24 * time.Hour
	}
	if c.ResumeAfter == 0 {
		c.ResumeAfter = 30 * time.Minute
	}
	if c.TurnTimeout == 0 {
		c.TurnTimeout = 8 * time.Second
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = 3 * time.Second
	}
	if c.MaxText == 0 {
		c.MaxText = 4096
	}
	if c.OfficerSession == 0 {
		c.OfficerSession = 8 * time.Hour
	}
	if c.PINTries == 0 {
		c.PINTries = 5
	}
	if c.LockFor == 0 {
		c.LockFor = 30 * time.Minute
	}
	if c.ViewsPerHour == 0 {
		c.ViewsPerHour = 30
	}
	if c.Zone == nil {
		c.Zone = time.FixedZone("WIB", 7*3600)
	}
	if c.SurveyOn == nil {
		c.SurveyOn = []domain.Status{domain.StatusDone}
	}
	if c.SurveyRemindAfter == 0 {
		c.SurveyRemindAfter = 48 * time.Hour
	}
	if c.SurveyLapse == 0 {
		c.SurveyLapse = 7 * 24 * time.Hour
	}
	if c.LateAfter == 0 {
		c.LateAfter = 72 * time.Hour
	}
	return c
}

// Engine runs turns. It is safe for concurrent use. A turn is the resident
// conversation (this file and the ones it calls), unless the sender is an officer: then
// the officers' desk answers it (desk). The background workers (workers: escalation,
// survey reminders, the monthly summary, the retry of parked filings) run apart. The
// three share what they work with (shared), and nothing else.
type Engine struct {
	*shared
	desk   *desk
	work   *workers
	unsure unsureCommits
}

// shared is what the resident conversation, the officers' desk and the workers work
// with: the stores, the catalog, the configuration, the clock and the log.
type shared struct {
	sessions store.Sessions
	cases    store.Cases
	parking  store.Parking
	catalog  *locales.Catalog
	intake   *dialogs.Intake
	keywords *dialogs.Keywords
	cfg      Config
	now      func() time.Time
	log      *slog.Logger
	metrics  Metrics
	officers *officerCache
	optOuts  OptOuts
	outbox   store.Outbox
	auditor  store.Auditor
	keys     *seal.Keyring
	reports  store.Reports
}

// OptOuts records residents who asked for no more messages (BERHENTI, or STOP at the
// provider); the courier does not push to them.
type OptOuts interface {
	SetOptOut(ctx context.Context, phone string, stopped bool, at time.Time) error
	OptedOut(ctx context.Context, phone string) (bool, error)
}

// Metrics is what the engine reports; silakso serve exports it to Prometheus.
type Metrics interface {
	// Turn counts a turn by channel and result (ok, duplicate, throttled, error) and
	// observes how long it took.
	Turn(channel, result string, d time.Duration)
	// CaseFiled counts a newly filed case.
	CaseFiled(channel string)
}

type nopMetrics struct{}

func (nopMetrics) Turn(string, string, time.Duration) {}
func (nopMetrics) CaseFiled(string)                   {}

// Deps are what the engine works with.
type Deps struct {
	Sessions store.Sessions
	Cases    store.Cases
	// Parking keeps confirmed intakes the case database could not take, until they are
	// filed; without it the resident is asked to confirm again later.
	Parking store.Parking
	Catalog *locales.Catalog
	Regions *dialogs.Regions
	// Now is the clock (time.Now unless a test drives time).
	Now func() time.Time
	Log *slog.Logger
	// Metrics is optional.
	Metrics Metrics
	// Officers is the officer registry; without it every sender is a resident.
	Officers store.Officers
	// OfficerCacheTTL is how long the registry is cached (default 30 s).
	OfficerCacheTTL time.Duration
	// OptOuts is optional.
	OptOuts OptOuts
	// Outbox carries alerts to supervisors that belong to no case (AlertSupervisors);
	// optional.
	Outbox store.Outbox
	// Auditor keeps the audit trail of logins, listings and status checks by others;
	// optional.
	Auditor store.Auditor
	// Keys seal conversations and parked filings (unfinished answers, a NIK among
	// them) before they leave the engine; nil keeps them as they are.
	Keys *seal.Keyring
	// Reports answers the survey, late cases and the monthly summary; without it no
	// survey is asked and TELAT is not offered.
	Reports store.Reports
}

// New builds an engine.
func New(d Deps, cfg Config) *Engine {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Metrics == nil {
		d.Metrics = nopMetrics{}
	}
	kw := dialogs.NewKeywords(d.Catalog)
	cfg = cfg.withDefaults()
	e := &shared{
		sessions: d.Sessions, cases: boundedCases{d.Cases, cfg.CallTimeout}, parking: d.Parking, catalog: d.Catalog,
		intake: dialogs.NewIntake(d.Regions, kw), keywords: kw,
		cfg: cfg, now: d.Now, log: d.Log, metrics: d.Metrics, outbox: d.Outbox, auditor: d.Auditor, keys: d.Keys,
	}
	if d.Reports != nil {
		e.reports = boundedReports{d.Reports, cfg.CallTimeout}
	}
	e.intake.Refused = func(err error) { d.Log.Error("intake step refused by its table; back at the menu", "err", err) }
	if d.OptOuts != nil {
		e.optOuts = boundedOptOuts{d.OptOuts, cfg.CallTimeout}
	}
	if d.Officers != nil {
		if d.OfficerCacheTTL == 0 {
			d.OfficerCacheTTL = 30 * time.Second
		}
		e.officers = &officerCache{src: d.Officers, ttl: d.OfficerCacheTTL, now: d.Now, timeout: cfg.CallTimeout, log: d.Log}
	}
	return &Engine{shared: e, desk: &desk{shared: e}, work: &workers{shared: e}}
}

// session is what is saved per sender between turns.
type session struct {
	Lang    string        `json:"lang,omitempty"`
	Stopped bool          `json:"stopped,omitempty"`
	Seen    time.Time     `json:"seen"`
	Dialog  dialogs.State `json:"dialog"`
	Officer *officerState `json:"officer,omitempty"`
	// Notice is the version of the privacy notice the resident was shown, and
	// NoticeAt when; both are recorded with each case they file.
	Notice   string    `json:"notice,omitempty"`
	NoticeAt time.Time `json:"notice_at,omitzero"`
	// ConfirmErase is set while HAPUS waits for a yes.
	ConfirmErase bool `json:"confirm_erase,omitempty"`
	// MenuAt is when the resident was last shown a numbered menu: a digit answers the
	// survey only if they were asked it since.
	MenuAt time.Time `json:"menu_at,omitzero"`
	// Comment is the ticket whose survey takes a comment in the next message, until
	// CommentUntil.
	Comment      string    `json:"comment,omitempty"`
	CommentUntil time.Time `json:"comment_until,omitzero"`
}

// NoticeVersion names the privacy notice residents are shown (privacy.* and the
// welcome's line in the catalogs); change it when their meaning changes, so that every
// case records which notice its resident had.
const NoticeVersion = "2026-11"

// noticeKeys are the messages that carry the privacy notice.
var noticeKeys = map[string]bool{"menu.welcome": true, "intake.draft_kept_new": true, "intake.welcome_request": true, "privacy.notice": true, "privacy.full": true}

// withNotice makes sure a resident is shown the privacy notice once, on their first
// contact, whatever they first wrote (a CEK, a keyword, a question for an officer).
func (e *Engine) withNotice(s *session, msgs []locales.Msg) []locales.Msg {
	if s.Notice == NoticeVersion || s.Stopped {
		// (After BERHENTI nothing more is sent; the notice comes when they write again.)
		return msgs
	}
	shown := false
	for _, m := range msgs {
		shown = shown || noticeKeys[m.Key]
	}
	if !shown {
		msgs = append(msgs, locales.M("privacy.notice"))
	}
	s.Notice, s.NoticeAt = NoticeVersion, e.now()
	return msgs
}

// Handle implements channels.Handler.
func (e *Engine) Handle(ctx context.Context, in channels.Inbound) ([]channels.Outbound, error) {
	start := time.Now()
	out, result, err := e.handle(ctx, in)
	e.metrics.Turn(in.Channel, result, time.Since(start))
	return out, err
}

func (e *Engine) handle(ctx context.Context, in channels.Inbound) ([]channels.Outbound, string, error) {
	if in.From == "" {
		return nil, "error", errors.New("bot: inbound message without sender")
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.TurnTimeout)
	defer cancel()
	log := turnLogger{e.log, in}

	at := in.Time
	if at.IsZero() {
		at = e.now()
	}
	// Waiting for the sender's previous turn may take part of the turn, never all of
	// it: what is left must be enough to work, park a filing and save.
	wait, cancelWait := context.WithTimeout(ctx, e.cfg.TurnTimeout*4/10)
	key := in.Channel + ":" + in.ID
	turn, err := e.sessions.Begin(wait, store.Arrival{Sender: in.From, MessageID: key, At: at})
	cancelWait()
	switch {
	case errors.Is(err, store.ErrDuplicate):
		if out := e.unsure.take(key, e.now()); out != nil {
			log.Warn("a commit that seemed to fail was saved; its replies go out now")
			return out, "ok", nil
		}
		log.Info("duplicate message dropped")
		return nil, "duplicate", channels.ErrDuplicate
	case errors.Is(err, store.ErrSlowDown):
		log.Warn("sender over the rate limit")
		return e.render(in, locales.Default, locales.M("error.slow_down")), "throttled", nil
	case errors.Is(err, store.ErrThrottled):
		log.Info("throttled message dropped")
		return nil, "throttled", channels.ErrThrottled
	case err != nil:
		log.Error("session store unavailable", "err", err)
		return e.render(in, locales.Default, locales.M("error.system")), "error", fmt.Errorf("bot: begin turn: %w", err)
	}
	defer turn.Release()
	e.unsure.take(key, e.now()) // this delivery answers afresh

	var s session
	isNew := turn.Session() == nil
	if !isNew {
		blob, err := openSession(e.keys, turn.Session())
		if err == nil {
			err = json.Unmarshal(blob, &s)
		}
		if err != nil {
			// A session we cannot read is treated as a new conversation rather than a
			// resident who can never get through again.
			log.Error("unreadable session, starting over", "err", err)
			isNew = true
		}
	}
	if isNew {
		s = session{Lang: locales.Default}
	}
	msgs, err := e.turn(ctx, &s, in, isNew)
	if err != nil {
		// Nothing is saved: the provider delivers the message again, and that delivery
		// runs the turn afresh.
		log.Error("turn not processed", "err", err)
		return e.render(in, s.Lang, locales.M("error.system")), "error", err
	}
	s.Seen = e.now()

	saved, err := json.Marshal(s)
	if err == nil {
		err = turn.Commit(ctx, sealSession(e.keys, saved), e.cfg.SessionTTL)
	}
	if err != nil {
		log.Error("session not saved", "err", err)
		if !errors.Is(err, store.ErrLockLost) {
			e.unsure.remember(key, e.render(in, s.Lang, msgs...), e.now())
		}
		return e.render(in, s.Lang, locales.M("error.system")), "error", fmt.Errorf("bot: commit turn: %w", err)
	}
	log.Debug("turn", "step", s.Dialog.Step, "replies", len(msgs))
	return e.render(in, s.Lang, msgs...), "ok", nil
}

// turnLogger logs a turn's lines with its channel, masked sender and message id,
// formatting them only for lines that are written: slog's JSON handler encodes With
// attributes at once, which cost every turn an encoding nobody read.
type turnLogger struct {
	log *slog.Logger
	in  channels.Inbound
}

func (l turnLogger) line(level slog.Level, msg string, args ...any) {
	ctx := context.Background()
	if !l.log.Enabled(ctx, level) {
		return
	}
	l.log.Log(ctx, level, msg, append([]any{"channel", l.in.Channel, "from", channels.MaskPhone(l.in.From), "id", l.in.ID}, args...)...)
}

func (l turnLogger) Debug(msg string, args ...any) { l.line(slog.LevelDebug, msg, args...) }
func (l turnLogger) Info(msg string, args ...any)  { l.line(slog.LevelInfo, msg, args...) }
func (l turnLogger) Warn(msg string, args ...any)  { l.line(slog.LevelWarn, msg, args...) }
func (l turnLogger) Error(msg string, args ...any) { l.line(slog.LevelError, msg, args...) }

func (e *Engine) render(in channels.Inbound, lang string, msgs ...locales.Msg) []channels.Outbound {
	out := make([]channels.Outbound, len(msgs))
	for i, m := range msgs {
		out[i] = channels.Outbound{Channel: in.Channel, To: in.From, Text: e.catalog.Text(lang, m)}
	}
	return out
}

// turn decides the replies and updates s. An error means the turn cannot be run now
// (who is writing cannot be told); nothing of it may be saved.
func (e *Engine) turn(ctx context.Context, s *session, in channels.Inbound, isNew bool) ([]locales.Msg, error) {
	text := in.Text
	if utf8.RuneCountInString(text) > e.cfg.MaxText {
		text = string([]rune(text)[:e.cfg.MaxText])
	}
	text = dialogs.Clean(text)

	officer, isOfficer, err := e.officers.active(ctx, in.From)
	if err != nil {
		return nil, fmt.Errorf("bot: officer registry: %w", err)
	}
	if isOfficer {
		return e.desk.officerTurn(ctx, s, in.Channel, text, officer), nil
	}
	msgs := e.residentTurn(ctx, s, in, text, isNew)
	e.noteMenu(s, msgs)
	return e.withNotice(s, msgs), nil
}

// residentTurn answers a resident.
func (e *Engine) residentTurn(ctx context.Context, s *session, in channels.Inbound, text string, isNew bool) []locales.Msg {

	// Writing again is how a resident who sent BERHENTI asks for messages again.
	if s.Stopped && e.optOuts != nil {
		if err := e.optOuts.SetOptOut(ctx, in.From, false, e.now()); err != nil {
			e.log.Error("opt-out not cleared", "err", err)
		}
	}
	s.Stopped = false
	st := &s.Dialog
	if isNew {
		st.Step = dialogs.StepMenu
	}
	comment, commentUntil := e.takeComment(s)
	if s.ConfirmErase {
		// The answer to "erase everything?": yes erases; anything else is read as it
		// comes, and nothing is erased.
		s.ConfirmErase = false
		switch yes, no := e.keywords.Meant(text); {
		case yes:
			return e.erase(ctx, s, in)
		case no:
			return []locales.Msg{e.intake.Prompt(st)} // kept: the question again
		}
	}

	if st.Step == dialogs.StepQuestion && e.now().Sub(s.Seen) > e.cfg.ResumeAfter {
		e.intake.DropQuestion(st)
	}
	if st.AskCmd != 0 {
		// The answer to "did you mean MENU?": yes runs the keyword, no keeps the earlier
		// message as the answer, anything else is taken as it comes.
		cmd, earlier := dialogs.Command(st.AskCmd), st.AskText
		st.AskCmd, st.AskText = 0, ""
		switch yes, no := e.keywords.Meant(text); {
		case yes:
			return e.keyword(ctx, s, in, dialogs.Keyword{Cmd: cmd})
		case no:
			text = earlier
		}
	} else if kw := e.keywords.Parse(text, !st.FreeText()); kw.Cmd != dialogs.None && !(kw.Cmd == dialogs.MyData && st.Step == dialogs.StepNeed) {
		// (DATA at the kind of help is option 9, "Data penerima bantuan".)
		if isNew && kw.Cmd == dialogs.Help {
			// "tolong" or "bantuan" as a first message: the welcome and its menu.
			return e.intake.Welcome(st).Replies
		}
		return e.keyword(ctx, s, in, kw)
	} else if st.FreeText() && !st.ConfirmCancel {
		// A word one typing mistake from a keyword, where free text is expected
		// ("menuu" as a name): asked about, not stored.
		if kw := e.keywords.Near(text); kw.Cmd != dialogs.None {
			st.AskCmd, st.AskText = int(kw.Cmd), text
			return []locales.Msg{locales.M("intake.did_you_mean", "Word", kw.Arg)}
		}
	}
	if msgs, ok := e.survey(ctx, s, in, text, comment, commentUntil); ok {
		return msgs
	}
	// A bare ticket (or a NIK) at the menu, or from someone new, is a status question:
	// people send the number they were given without CEK.
	if bareTicket(text) && (isNew || st.Step == dialogs.StepMenu) {
		return e.keyword(ctx, s, in, dialogs.Keyword{Cmd: dialogs.Status, Arg: text})
	}
	switch {
	case isNew && e.intake.IsRequest(text):
		// "Tolong pak, saya butuh bantuan beras, suami sakit": the intake starts, with
		// these words kept.
		return e.intake.Request(st, dialogs.Input{Text: text, From: in.From, MessageID: in.ID}, true).Replies
	case isNew && e.intake.AsksForHuman(text):
		// "Mau bicara dengan petugas" as a first message: the office's contact and a
		// question for an officer at once, not a menu to find them in.
		e.intake.ToHuman(st)
		return []locales.Msg{e.officeContact(), e.intake.Prompt(st)}
	case isNew:
		// Someone whose conversation was forgotten (30 days) may write about their case;
		// a greeting alone ("halo", "P") costs no look-up.
		if !dialogs.IsNumber(text) && strings.Contains(strings.TrimSpace(text), " ") {
			if msgs, ok := e.threadReply(ctx, in, s.Lang, text); ok {
				return msgs
			}
		}
		return e.intake.Welcome(st).Replies
	case text == "" && in.Media > 0:
		return e.withPrompt(st, locales.M("error.media"))
	case text == "":
		return e.withPrompt(st, locales.M("error.empty"))
	case st.InIntake() && st.Step != dialogs.StepResume && e.now().Sub(s.Seen) > e.cfg.ResumeAfter:
		if r, ok := e.intake.AfterPause(st, dialogs.Input{Text: text, From: in.From, MessageID: in.ID}); ok {
			return r.Replies
		}
		return e.intake.Pause(st, dialogs.Input{Text: text, From: in.From, MessageID: in.ID}).Replies
	}

	// Free text at the menu may be about the resident's case (an answer to an officer,
	// a question after a push).
	if st.Step == dialogs.StepMenu && !dialogs.IsNumber(text) {
		if msgs, ok := e.threadReply(ctx, in, s.Lang, text); ok {
			return msgs
		}
	}

	// A parked intake may have been filed meanwhile (by any instance): then whatever the
	// resident writes at the summary gets the ticket, not the summary again.
	if st.Step == dialogs.StepConfirm && st.Parked {
		if c, ok := e.filedIntake(ctx, in.From, st.IntakeID); ok {
			if st.ConfirmCancel {
				// "1, batalkan" for an intake filed meanwhile: too late for the bot.
				*st = dialogs.State{Step: dialogs.StepMenu}
				return []locales.Msg{locales.M("intake.too_late", "Ticket", c.Ticket)}
			}
			return e.intake.Filed(st, c.Ticket).Replies
		}
	}

	var r dialogs.Result
	if e.intake.WantsHuman(st, text) {
		r = e.intake.ToHuman(st)
	} else {
		r = e.intake.Handle(st, dialogs.Input{Text: text, From: in.From, MessageID: in.ID})
	}
	if msgs, ok := e.withdraw(ctx, st, in, r); ok {
		return msgs
	}
	switch {
	case r.Submit:
		return e.file(ctx, s, in)
	case r.ShowCases:
		return e.myCases(ctx, in.From, s.Lang)
	case r.Contact:
		return []locales.Msg{e.officeContact(), e.intake.Prompt(st)}
	case r.Question != "":
		return e.question(ctx, s, in, r.Question)
	}
	return r.Replies
}

// withPrompt adds the current question after msg while an intake is in progress, so a
// resident who was interrupted sees what to answer.
func (e *Engine) withPrompt(st *dialogs.State, msg locales.Msg) []locales.Msg {
	if st.InIntake() {
		return []locales.Msg{msg, e.intake.Prompt(st)}
	}
	return []locales.Msg{msg}
}

func (e *Engine) keyword(ctx context.Context, s *session, in channels.Inbound, kw dialogs.Keyword) []locales.Msg {
	st := &s.Dialog
	switch kw.Cmd {
	case dialogs.Menu:
		return e.intake.Menu(st).Replies
	case dialogs.Cancel:
		r := e.intake.Cancel(st)
		if msgs, ok := e.withdraw(ctx, st, in, r); ok {
			return msgs
		}
		return r.Replies
	case dialogs.Back:
		return e.intake.Back(st).Replies
	case dialogs.Help:
		msgs := []locales.Msg{locales.M("help.text")}
		if e.cfg.Office != (Office{}) {
			msgs = append(msgs, e.officeContact()) // the way to a human
		}
		if st.InIntake() {
			msgs = append(msgs, e.intake.Prompt(st))
		}
		return msgs
	case dialogs.Stop:
		s.Stopped = true
		if e.optOuts != nil {
			if err := e.optOuts.SetOptOut(ctx, in.From, true, e.now()); err != nil {
				e.log.Error("opt-out not recorded", "err", err)
				return []locales.Msg{locales.M("error.system")}
			}
		}
		return []locales.Msg{locales.M("stop.done")}
	case dialogs.Privacy:
		return []locales.Msg{locales.M("privacy.full")}
	case dialogs.MyData:
		return e.myData(ctx, s, in.From)
	case dialogs.Erase:
		return e.askErase(ctx, s, in.From)
	case dialogs.Language:
		if !e.catalog.Has(kw.Arg) {
			return []locales.Msg{locales.M("lang.unknown")}
		}
		s.Lang = kw.Arg
		return []locales.Msg{locales.M("lang.switched"), e.intake.Prompt(st)}
	case dialogs.Status:
		msgs := e.status(ctx, in.From, kw.Arg, s.Lang)
		if st.InIntake() {
			msgs = append(msgs, e.intake.Prompt(st))
		}
		return msgs
	}
	return nil
}

// file stores the confirmed intake. The confirmation with the ticket is written in the
// same transaction as the case and sent by the outbox, so a crash, a provider outage or
// a restart delays it but never loses it; the turn itself replies nothing more. When
// the case database fails, the filing is parked (and filed with a push of the ticket
// once the database is back) and the answers stay at the summary, so YA again files it
// too; filing the same intake twice returns the first case, so a retry never makes a
// second one.
func (e *Engine) file(ctx context.Context, s *session, in channels.Inbound) []locales.Msg {
	st := &s.Dialog
	a := st.Answers
	f := domain.Filing{
		IntakeID: st.IntakeID, Channel: in.Channel, Filer: in.From, FilerName: a.FilerName, Lang: s.Lang,
		Notice: s.Notice, NoticeAt: s.NoticeAt,
		Relation: a.Relation, Name: a.Name, NIK: a.NIK, NoNIK: a.NoNIK,
		DesaCode: a.DesaCode, Desa: a.Desa, Kecamatan: a.Kecamatan, Address: a.Address,
		Need: a.Need, Description: a.Description, Contact: a.Contact, FiledAt: e.now(),
	}
	notices := e.newCaseNotices(ctx)
	c, created, err := e.fileBounded(ctx, f, func(c domain.Case) []domain.OutboxMessage {
		shown := *st // Filed changes the state it is given; the real one changes below
		var msgs []domain.OutboxMessage
		for _, m := range e.intake.Filed(&shown, c.Ticket).Replies {
			msgs = append(msgs, domain.OutboxMessage{Channel: in.Channel, To: in.From, Text: e.catalog.Text(s.Lang, m), CaseID: c.ID})
		}
		return append(msgs, notices(c)...)
	})
	if err != nil {
		e.log.Error("case not filed", "from", channels.MaskPhone(in.From), "err", err)
		if e.parking == nil || errors.Is(err, store.ErrInvalid) {
			// Refused as such (which cleaned answers never are), it would be refused
			// again later: not parked, and not reported as saved.
			return e.intake.FileRetry(st).Replies
		}
		if err := e.parking.Park(ctx, sealFiling(e.keys, f)); err != nil {
			e.log.Error("filing not parked either; the session keeps the answers for YA again", "err", err)
			return e.intake.FileRetry(st).Replies
		}
		return e.intake.FileFailed(st).Replies
	}
	if created {
		e.metrics.CaseFiled(in.Channel)
	}
	e.log.Info("case filed", "ticket", c.Ticket, "created", created, "kecamatan", c.Kecamatan, "no_nik", c.NoNIK)
	// Whether this filing made the case or an earlier one did (a retried YA, a parked
	// filing filed meanwhile), the confirmation is in the outbox already.
	e.intake.Filed(st, c.Ticket)
	return nil
}

// filedIntake finds the case filed for an intake, among the filer's latest cases.
func (e *Engine) filedIntake(ctx context.Context, filer, intakeID string) (domain.Case, bool) {
	cases, err := e.cases.CasesByFiler(ctx, filer, 5)
	if err != nil {
		return domain.Case{}, false
	}
	for _, c := range cases {
		if c.IntakeID == intakeID {
			return c, true
		}
	}
	return domain.Case{}, false
}

// withdraw takes back a confirmed intake waiting to be filed (the database was down at
// YA) that the resident cancelled or is changing, so that what was cancelled is never
// filed and what was changed is filed as changed. If it was filed meanwhile, the
// resident gets its ticket, and is told that changes now go through an officer; ok
// reports that case.
func (e *Engine) withdraw(ctx context.Context, st *dialogs.State, in channels.Inbound, r dialogs.Result) ([]locales.Msg, bool) {
	if r.Withdraw == "" || e.parking == nil {
		return nil, false
	}
	// Taken back first, then looked for: a retry that files it in between is seen.
	if err := e.parking.Unpark(ctx, r.Withdraw); err != nil {
		e.log.Error("parked filing not withdrawn; it may still be filed", "err", err)
	}
	if c, ok := e.filedIntake(ctx, in.From, r.Withdraw); ok {
		*st = dialogs.State{Step: dialogs.StepMenu}
		return []locales.Msg{locales.M("intake.too_late", "Ticket", c.Ticket)}, true
	}
	return nil, false
}

// audit records an entry of the audit trail. A trail that cannot be written is logged
// loudly but does not fail the officer's or resident's turn.
func (e *shared) audit(ctx context.Context, actor, kind, subject, detail string) {
	if e.auditor == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.CallTimeout)
	defer cancel()
	if err := e.auditor.Audit(ctx, store.AuditEntry{At: e.now(), Actor: actor, Kind: kind, Subject: subject, Detail: detail}); err != nil {
		e.log.Error("audit entry not written", "kind", kind, "err", err)
	}
}
