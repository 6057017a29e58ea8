package bot

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
)

// The satisfaction survey (IKM): when a request for help closes with a status in
// Config.SurveyOn, the push is followed by one question, answered with one digit (1
// tidak baik to 4 sangat baik) or the words people use, then, optionally, a comment.
// It never stands in the way: a keyword, CEK or a new request works as always, and a
// digit answers the survey only while the survey is the latest question the resident
// was asked (no numbered choices shown since); otherwise it is the menu's.

const (
	// commentWindow is how long after the score the next message is taken as a
	// comment.
	commentWindow = time.Hour
	// maxComment keeps a comment within two SMS of an officer's reading.
	maxComment = 300
	// surveyLookup bounds the look-up for an open survey, which most digits at the menu
	// cost: a slow database delays the menu by this much at most.
	surveyLookup = time.Second
)

// offersChoices reports whether a reply offers numbered choices answered at the menu
// step (the menu itself, and replies that say "balas 1"): after one, a digit is for
// those choices, not the survey. Replies that move the conversation to a step of its
// own (the intake's questions, a confirmation) need not be here: the survey answers
// only at the menu. TestChoicesAreKnown keeps this list in step with the catalogs.
func offersChoices(key string) bool {
	return strings.HasPrefix(key, "menu.") && key != "menu.contact_office" ||
		key == "help.text" || key == "intake.too_late"
}

// noteMenu records when the resident was last offered numbered choices.
func (e *Engine) noteMenu(s *session, msgs []locales.Msg) {
	if slices.ContainsFunc(msgs, func(m locales.Msg) bool { return offersChoices(m.Key) }) {
		s.MenuAt = e.now()
	}
}

// scoreWords and scoreLabels are the catalog keys of scores 1 to 4.
var (
	scoreWords  = [domain.ScoreMax]string{"word.survey.s1", "word.survey.s2", "word.survey.s3", "word.survey.s4"}
	scoreLabels = [domain.ScoreMax]string{"survey.score.s1", "survey.score.s2", "survey.score.s3", "survey.score.s4"}
)

// surveyedOn reports whether a change to status to asks the survey (SILAKSO_SURVEY).
func (e *shared) surveyedOn(to domain.Status) bool {
	return e.reports != nil && slices.Contains(e.cfg.SurveyOn, to)
}

// askSurvey adds the question to a change closing a request for help, once.
func (e *desk) askSurvey(c domain.Case, to domain.Status, u *domain.CaseUpdate) {
	if !e.surveyedOn(to) || !c.ForHelp() || !c.Survey.AskedAt.IsZero() || c.Filer == "" {
		return
	}
	u.AskSurvey = true
	u.Messages = append(u.Messages, e.toResident(c, locales.M("survey.ask", "Ticket", c.Ticket)))
}

// RemindSurveys asks once more those who have not answered within SurveyRemindAfter
// (and whose survey has not lapsed). silakso serve runs it with the escalation;
// instances may run it at the same time.
func (e *workers) RemindSurveys(ctx context.Context) (int, error) {
	if e.reports == nil {
		return 0, nil
	}
	now := e.now()
	return store.RemindSurveys(ctx, e.reports, e.cases, now.Add(-e.cfg.SurveyRemindAfter), now.Add(-e.cfg.SurveyLapse), now,
		func(c domain.Case) []domain.OutboxMessage {
			return []domain.OutboxMessage{e.toResident(c, locales.M("survey.remind", "Ticket", c.Ticket))}
		})
}

// takeComment is the ticket whose survey takes this message as a comment ("" for
// none); the chance is used up unless the comment cannot be stored.
func (e *Engine) takeComment(s *session) (ticket string, until time.Time) {
	ticket, until = s.Comment, s.CommentUntil
	if e.now().After(until) {
		ticket = ""
	}
	s.Comment, s.CommentUntil = "", time.Time{}
	return ticket, until
}

// surveyReply is what a message says to an open survey.
type surveyReply int

const (
	notForSurvey surveyReply = iota
	scored                   // a score, perhaps with words after it
	notAScore                // a one- or two-digit number other than 1-4
	thanked                  // "ok", "terima kasih", a thumbs up: no score yet
)

// readSurvey reads a message as an answer to the survey: a digit 1-4, alone or first
// ("4 bagus", "nilai 3 pak"), or the words for a score ("sangat puas"), with the
// words around it that carry no meaning dropped; rest is what follows a leading digit
// (a comment).
func (e *Engine) readSurvey(text string) (reply surveyReply, score int, rest string) {
	t := strings.TrimRight(strings.ToUpper(strings.Join(strings.Fields(text), " ")), ".!?,")
	filler, thanks := e.catalog.Words("word.survey.filler"), e.catalog.Words("word.survey.thanks")
	words := strings.Fields(t)
	// "Terima kasih pak": the thanks with what follows it dropped word by word.
	for n := len(words); n > 0; n-- {
		if slices.Contains(thanks, strings.Join(words[:n], " ")) {
			return thanked, 0, ""
		}
		if !slices.Contains(filler, words[n-1]) {
			break
		}
	}
	first := 0
	for first < len(words) && slices.Contains(filler, words[first]) {
		first++
	}
	if first < len(words) && dialogs.IsNumber(words[first]) {
		digits := strings.TrimRight(words[first], ".!?,)")
		n, err := strconv.Atoi(digits)
		switch {
		case err == nil && n >= domain.ScoreMin && n <= domain.ScoreMax:
			// What follows the digit, in the resident's own writing.
			orig := strings.Fields(text)
			if skip := first + 1; skip < len(orig) {
				rest = strings.TrimLeft(strings.Join(orig[skip:], " "), ".,:;-) ")
			}
			if slices.ContainsFunc(strings.Fields(strings.ToUpper(rest)), func(w string) bool { return !slices.Contains(filler, w) }) {
				return scored, n, rest
			}
			return scored, n, ""
		case len(digits) <= 2 && len(words) == first+1:
			// A choice that is not a score ("5", "10"); a longer number is a ticket or a
			// NIK, for CEK.
			return notAScore, 0, ""
		}
		return notForSurvey, 0, ""
	}
	core := slices.DeleteFunc(slices.Clone(words), func(w string) bool { return slices.Contains(filler, w) })
	phrase := strings.Join(core, " ")
	for i, key := range scoreWords {
		if phrase != "" && slices.Contains(e.catalog.Words(key), phrase) {
			return scored, i + domain.ScoreMin, ""
		}
	}
	return notForSurvey, 0, ""
}

// survey answers a message meant for the survey: the comment after a score (comment
// names its ticket), or an answer while the survey is the latest question. ok is false
// for any other message, which then goes on as usual.
func (e *Engine) survey(ctx context.Context, s *session, in channels.Inbound, text, comment string, until time.Time) ([]locales.Msg, bool) {
	if e.reports == nil || s.Dialog.Step != dialogs.StepMenu || text == "" {
		return nil, false
	}
	reply, score, rest := e.readSurvey(text)
	// A greeting ("halo", "selamat pagi") is the resident starting again, not a
	// comment: it goes on to the menu, and the chance of a comment is over.
	if comment != "" && reply == notForSurvey && !dialogs.IsNumber(text) && !e.intake.IsGreeting(text) && !e.inThread(ctx, in.From) {
		note := dialogs.Shorten(dialogs.MaskNIKs(text), maxComment)
		if err := e.surveyAnswer(ctx, comment, in.From, domain.CaseUpdate{SurveyComment: note}); err != nil {
			s.Comment, s.CommentUntil = comment, until // the next try is a comment still
			return []locales.Msg{locales.M("error.system")}, true
		}
		return []locales.Msg{locales.M("survey.comment_thanks")}, true
	}
	if reply == notForSurvey {
		return nil, false
	}
	since := e.now().Add(-e.cfg.SurveyLapse)
	if s.MenuAt.After(since) {
		since = s.MenuAt
	}
	lookup, cancel := context.WithTimeout(ctx, surveyLookup)
	c, err := e.reports.SurveyToAnswer(lookup, in.From, since)
	cancel()
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, false
	case err != nil:
		// The menu (or the intake) goes on without the case database: a database that
		// hangs must not stop a resident who is not answering a survey at all, nor
		// answer them "system error" and leave their next answers on the wrong step.
		e.log.Warn("open survey not looked up; the message is the menu's", "err", err)
		return nil, false
	case reply != scored:
		return []locales.Msg{locales.M("survey.invalid", "Ticket", c.Ticket)}, true
	}
	u := domain.CaseUpdate{SurveyScore: score}
	if rest != "" {
		u.SurveyComment = dialogs.Shorten(dialogs.MaskNIKs(rest), maxComment)
	}
	if err := e.surveyAnswer(ctx, c.Ticket, in.From, u); err != nil {
		return []locales.Msg{locales.M("error.system")}, true
	}
	label := locales.M(scoreLabels[score-domain.ScoreMin])
	if rest != "" {
		return []locales.Msg{locales.M("survey.thanks_comment", "Score", score, "Label", label, "Ticket", c.Ticket)}, true
	}
	s.Comment, s.CommentUntil = c.Ticket, e.now().Add(commentWindow)
	return []locales.Msg{locales.M("survey.thanks", "Score", score, "Label", label, "Ticket", c.Ticket)}, true
}

// inThread reports whether the resident has an open case an officer wrote to lately:
// their words then go to that officer, never into a survey comment nobody reads at
// once.
func (e *Engine) inThread(ctx context.Context, from string) bool {
	_, err := e.cases.LatestRepliedCase(ctx, from, e.now().Add(-threadWindow))
	return err == nil
}

// errNotTheirs: the case is no longer the sender's (erased meanwhile).
var errNotTheirs = errors.New("bot: survey case is not the sender's")

// surveyAnswer stores a score or a comment with the case, if it is still the
// sender's (an erasure may have come in between).
func (e *Engine) surveyAnswer(ctx context.Context, ticket, from string, u domain.CaseUpdate) error {
	_, err := e.changeBounded(ctx, ticket, func(c domain.Case) (domain.CaseUpdate, error) {
		if c.Filer != from {
			return domain.CaseUpdate{}, errNotTheirs
		}
		return u, nil
	})
	if err != nil {
		e.log.Error("survey answer not stored", "ticket", ticket, "err", err)
	}
	return err
}
