package store_test

import (
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/store"
)

// Apply marks the service times from what a change is, and keeps the first of each.
func TestServiceMarks(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	c := store.Case{Status: store.StatusNew}
	steps := []struct {
		u    store.CaseUpdate
		want store.Service
	}{
		// A look, and the resident's own words, are no officer action.
		{store.CaseUpdate{Events: []store.Event{{Kind: "view"}}}, store.Service{}},
		{store.CaseUpdate{Events: []store.Event{{Kind: "resident_message"}}}, store.Service{}},
		// An internal note is an action, not yet a response.
		{store.CaseUpdate{Events: []store.Event{{Kind: "note"}}}, store.Service{ActedAt: at(3)}},
		// A reply is the first response.
		{store.CaseUpdate{Reply: "besok"}, store.Service{ActedAt: at(3), RespondedAt: at(4)}},
		{store.CaseUpdate{Status: store.StatusInProcess}, store.Service{ActedAt: at(3), RespondedAt: at(4)}},
		{store.CaseUpdate{Status: store.StatusDone}, store.Service{ActedAt: at(3), RespondedAt: at(4), ClosedAt: at(6)}},
		// A survey answer changes none of them.
		{store.CaseUpdate{SurveyScore: 3}, store.Service{ActedAt: at(3), RespondedAt: at(4), ClosedAt: at(6)}},
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
		if got := (store.Service{RespondedAt: c.responded}).Late(filed, c.now, 3*day); got != c.late {
			t.Errorf("responded %v, now %v: late %v", c.responded, c.now, got)
		}
	}
}
