package domain

import "time"

// Survey is the resident's satisfaction answer about a closed case (IKM, Permenpan RB
// 14/2017, one element): asked once when the case closed, reminded at most once.
type Survey struct {
	AskedAt    time.Time
	RemindedAt time.Time
	// Score is 1 (tidak baik) to 4 (sangat baik), 0 before an answer.
	Score      int
	AnsweredAt time.Time
	// Comment is the resident's optional words after the score (sealed like their
	// other messages).
	Comment string
}

// Survey scores.
const (
	ScoreMin = 1
	ScoreMax = 4
)

// Open reports whether the survey was asked and waits for a score.
func (s Survey) Open() bool { return !s.AskedAt.IsZero() && s.Score == 0 }

// LastAsked is when the resident was last asked (the reminder, else the question).
func (s Survey) LastAsked() time.Time {
	if s.RemindedAt.After(s.AskedAt) {
		return s.RemindedAt
	}
	return s.AskedAt
}

func (s Survey) mark(u CaseUpdate, at time.Time) Survey {
	if u.AskSurvey && s.AskedAt.IsZero() {
		s.AskedAt = at
	}
	if u.RemindSurvey && s.Open() && s.RemindedAt.IsZero() {
		s.RemindedAt = at
	}
	if u.SurveyScore >= ScoreMin && u.SurveyScore <= ScoreMax && s.Open() {
		s.Score, s.AnsweredAt = u.SurveyScore, at
	}
	if u.SurveyComment != "" && s.Score != 0 && s.Comment == "" {
		s.Comment = u.SurveyComment
	}
	return s
}
