package domain_test

import (
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// Apply marks the service times from what a change is, and keeps the first of each.
func TestServiceMarks(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	c := domain.Case{Status: domain.StatusNew}
	steps := []struct {
		u    domain.CaseUpdate
		want domain.Service
	}{
		// A look, and the resident's own words, are no officer action.
		{domain.CaseUpdate{Events: []domain.Event{{Kind: "view"}}}, domain.Service{}},
		{domain.CaseUpdate{Events: []domain.Event{{Kind: "resident_message"}}}, domain.Service{}},
		// An internal note is an action, not yet a response.
		{domain.CaseUpdate{Events: []domain.Event{{Kind: "note"}}}, domain.Service{ActedAt: at(3)}},
		// A reply is the first response.
		{domain.CaseUpdate{Reply: "besok"}, domain.Service{ActedAt: at(3), RespondedAt: at(4)}},
		{domain.CaseUpdate{Status: domain.StatusInProcess}, domain.Service{ActedAt: at(3), RespondedAt: at(4)}},
		{domain.CaseUpdate{Status: domain.StatusDone}, domain.Service{ActedAt: at(3), RespondedAt: at(4), ClosedAt: at(6)}},
		// A survey answer changes none of them.
		{domain.CaseUpdate{SurveyScore: 3}, domain.Service{ActedAt: at(3), RespondedAt: at(4), ClosedAt: at(6)}},
	}
	for i, s := range steps {
		c = s.u.Apply(c, at(i+1))
		if c.Service != s.want {
			t.Fatalf("step %d: %+v, want %+v", i+1, c.Service, s.want)
		}
	}
	if c.Survey.Score != 0 {
		t.Errorf("a score stored on a survey never asked: %+v", c.Survey)
	}
}

func TestLate(t *testing.T) {
	filed := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, c := range []struct {
		responded time.Time
		now       time.Time
		late      bool
	}{
		{time.Time{}, filed.Add(3 * day), false},
		{time.Time{}, filed.Add(3*day + time.Second), true},
		{filed.Add(3 * day), filed.Add(9 * day), false},
		{filed.Add(3*day + time.Minute), filed.Add(9 * day), true},
	} {
		if got := (domain.Service{RespondedAt: c.responded}).Late(filed, c.now, 3*day); got != c.late {
			t.Errorf("responded %v, now %v: late %v", c.responded, c.now, got)
		}
	}
}
