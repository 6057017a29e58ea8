package bot

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

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
// was asked (no numbered menu shown since); otherwise it is the menu's.

const (
	// commentWindow is how long after the score the next message is taken as a
	// comment.
	commentWindow = time.Hour
	// maxComment keeps a comment within two SMS of an officer's reading.
	maxComment = 300
)

// menuKeys are the replies that offer numbered choices: after one of them, a digit is
// the menu's, not the survey's.
var menuKeys = map[string]bool{"menu.welcome": true, "menu.main": true, "menu.main_kept": true,
	"menu.not_understood": true, "menu.info": true}

// scoreWords and scoreLabels are the catalog keys of scores 1 to 4.
var (
	scoreWords  = [store.ScoreMax]string{"word.survey.s1", "word.survey.s2", "word.survey.s3", "word.survey.s4"}
	scoreLabels = [store.ScoreMax]string{"survey.score.s1", "survey.score.s2", "survey.score.s3", "survey.score.s4"}
)

// noteMenu records when the resident was last shown a numbered menu.
func (e *Engine) noteMenu(s *session, msgs []locales.Msg) {
	if slices.ContainsFunc(msgs, func(m locales.Msg) bool { return menuKeys[m.Key] }) {
		s.MenuAt = e.now()
	}
}

// askSurvey adds the question to a change closing a request for help, once.
func (e *Engine) askSurvey(c store.Case, to store.Status, u *store.CaseUpdate) {
	if e.reports == nil || !c.ForHelp() || !slices.Contains(e.cfg.SurveyOn, to) || !c.Survey.AskedAt.IsZero() || c.Filer == "" {
		return
	}
	u.AskSurvey = true
	u.Messages = append(u.Messages, e.toResident(c, locales.M("survey.ask", "Ticket", c.Ticket)))
}

// RemindSurveys asks once more those who have not answered within SurveyRemindAfter
// (and whose survey has not lapsed). silakso serve runs it with the escalation;
// instances may run it at the same time.
func (e *Engine) RemindSurveys(ctx context.Context) (int, error) {
	if e.reports == nil {
		return 0, nil
	}
	now := e.now()
	return e.reports.RemindSurveys(ctx, now.Add(-e.cfg.SurveyRemindAfter), now.Add(-e.cfg.SurveyLapse), now,
		func(c store.Case) []store.OutboxMessage {
			return []store.OutboxMessage{e.toResident(c, locales.M("survey.remind", "Ticket", c.Ticket))}
		})
}

// takeComment is the ticket whose survey takes this message as a comment ("" for
// none); the chance is used up either way.
func (e *Engine) takeComment(s *session) string {
	ticket := s.Comment
	if e.now().After(s.CommentUntil) {
		ticket = ""
	}
	s.Comment, s.CommentUntil = "", time.Time{}
	return ticket
}

// surveyScore reads a score: a digit 1-4, or the words for one ("baik", "sangat
// puas"). number reports a number of one or two digits that is not a score.
func (e *Engine) surveyScore(text string) (score int, number bool) {
	t := strings.TrimRight(strings.ToUpper(strings.Join(strings.Fields(text), " ")), ".!?,")
	if dialogs.IsNumber(t) {
		n, err := strconv.Atoi(t)
		if err == nil && n >= store.ScoreMin && n <= store.ScoreMax {
			return n, false
		}
		// A choice that is not a score ("5", "10"); a longer number is a ticket or a
		// NIK, for CEK.
		return 0, len(t) <= 2
	}
	for i, key := range scoreWords {
		if slices.Contains(e.catalog.Words(key), t) {
			return i + store.ScoreMin, false
		}
	}
	return 0, false
}

// survey answers a message meant for the survey: the comment after a score (comment
// names its ticket), or a score while the survey is the latest question. ok is false
// for any other message, which then goes on as usual.
func (e *Engine) survey(ctx context.Context, s *session, in channels.Inbound, text, comment string, isNew bool) ([]locales.Msg, bool) {
	if e.reports == nil || !(isNew || s.Dialog.Step == dialogs.StepMenu) || text == "" {
		return nil, false
	}
	score, number := e.surveyScore(text)
	if comment != "" && score == 0 && !number {
		note := dialogs.Shorten(dialogs.MaskNIKs(text), maxComment)
		if err := e.surveyAnswer(ctx, comment, store.CaseUpdate{SurveyComment: note}); err != nil {
			return []locales.Msg{locales.M("error.system")}, true
		}
		return []locales.Msg{locales.M("survey.comment_thanks")}, true
	}
	if score == 0 && !number {
		return nil, false
	}
	since := e.now().Add(-e.cfg.SurveyLapse)
	if s.MenuAt.After(since) {
		since = s.MenuAt
	}
	c, err := e.reports.SurveyToAnswer(ctx, in.From, since)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			e.log.Warn("open survey not looked up; the message goes to the menu", "err", err)
		}
		return nil, false
	}
	if number {
		return []locales.Msg{locales.M("survey.invalid", "Ticket", c.Ticket)}, true
	}
	if err := e.surveyAnswer(ctx, c.Ticket, store.CaseUpdate{SurveyScore: score}); err != nil {
		return []locales.Msg{locales.M("error.system")}, true
	}
	s.Comment, s.CommentUntil = c.Ticket, e.now().Add(commentWindow)
	return []locales.Msg{locales.M("survey.thanks", "Score", score, "Label", locales.M(scoreLabels[score-store.ScoreMin]))}, true
}

// surveyAnswer stores a score or a comment with the case.
func (e *Engine) surveyAnswer(ctx context.Context, ticket string, u store.CaseUpdate) error {
	_, err := e.cases.UpdateCase(ctx, ticket, e.now(), func(store.Case) (store.CaseUpdate, error) { return u, nil })
	if err != nil {
		e.log.Error("survey answer not stored", "ticket", ticket, "err", err)
	}
	return err
}
