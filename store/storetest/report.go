package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// ReportDB is a case database that answers reports.
type ReportDB interface {
	store.Cases
	store.Reports
	store.Outbox
	store.Officers
	store.MessageLog
}

// wib is the office's zone, where months begin.
var wib = time.FixedZone("WIB", 7*3600)

// ReportSeed files a fixed set of cases and works them as officers would, at fixed
// times, so that every figure of a report over October 2026 (WIB) is known exactly:
//
//	c1 Koba, food, self, sms: taken after 2 h, done after 72 h, survey 4 with a comment
//	c2 Koba, health, family, whatsapp: a note after 1 h, a reply after 96 h (late), still baru
//	c3 Pangkalan Baru, food, self, sms: untouched (late by now)
//	c4 Pangkalan Baru, pkh, other, sms: filed 1 Oct 01:00 WIB (30 Sep in UTC), rejected
//	   after 24 h, survey 2
//	c5 Koba: filed 1 Nov 00:30 WIB, outside the period
//	c6 a question, in the period: counted apart
//	c7 Koba, food, self, whatsapp: taken after 1 h, done after 240 h, survey not answered
func ReportSeed(t testing.TB, s ReportDB) map[string]domain.Case {
	t.Helper()
	ctx := context.Background()
	o1, o2 := "+628111000001", "+628111000002"
	out := map[string]domain.Case{}
	file := func(name, kec, desaCode, desa, need, relation, channel string, filed time.Time) domain.Case {
		f := Filing(name)
		f.Filer = "+62812000000" + name[1:]
		f.Kecamatan, f.DesaCode, f.Desa, f.Need, f.Relation, f.Channel, f.FiledAt = kec, desaCode, desa, need, relation, channel, filed
		c, _, err := store.File(ctx, s, f, nil)
		must(t, err)
		out[name] = c
		return c
	}
	change := func(c domain.Case, at time.Time, u domain.CaseUpdate) {
		_, err := store.Change(ctx, s, c.Ticket, at, func(domain.Case) (domain.CaseUpdate, error) { return u, nil })
		must(t, err)
	}
	status := func(actor string, from, to domain.Status) []domain.Event {
		return []domain.Event{{Actor: actor, Kind: "status", From: from, To: to}}
	}
	h := time.Hour

	t1 := time.Date(2026, 10, 1, 8, 0, 0, 0, wib)
	c1 := file("c1", "Koba", "19.04.01.2003", "Nibung", "food", "self", "sms", t1)
	change(c1, t1.Add(2*h), domain.CaseUpdate{AssignedTo: o1, Status: domain.StatusInProcess, Events: status(o1, domain.StatusNew, domain.StatusInProcess)})
	change(c1, t1.Add(72*h), domain.CaseUpdate{Status: domain.StatusDone, AskSurvey: true, Events: status(o1, domain.StatusInProcess, domain.StatusDone)})
	change(c1, t1.Add(73*h), domain.CaseUpdate{SurveyScore: 4})
	change(c1, t1.Add(74*h), domain.CaseUpdate{SurveyComment: "petugas ramah"})

	t2 := time.Date(2026, 10, 5, 10, 0, 0, 0, wib)
	c2 := file("c2", "Koba", "19.04.01.2004", "Terentang", "health", "family", "whatsapp", t2)
	change(c2, t2.Add(h), domain.CaseUpdate{Events: []domain.Event{{Actor: o1, Kind: "note", Note: "dicek"}}})
	change(c2, t2.Add(96*h), domain.CaseUpdate{AssignedTo: o1, Reply: "besok kami datang",
		Events: []domain.Event{{Actor: o1, Kind: "reply", Note: "besok kami datang"}}})

	file("c3", "Pangkalan Baru", "19.04.06.2001", "Benteng", "food", "self", "sms", time.Date(2026, 10, 20, 9, 0, 0, 0, wib))

	t4 := time.Date(2026, 10, 1, 1, 0, 0, 0, wib)
	c4 := file("c4", "Pangkalan Baru", "19.04.06.2001", "Benteng", "pkh", "other", "sms", t4)
	change(c4, t4.Add(24*h), domain.CaseUpdate{AssignedTo: o2, Status: domain.StatusRejected, Reply: "sudah terdaftar", AskSurvey: true,
		Events: status(o2, domain.StatusNew, domain.StatusRejected)})
	change(c4, t4.Add(30*h), domain.CaseUpdate{SurveyScore: 2})
	change(c4, t4.Add(31*h), domain.CaseUpdate{SurveyScore: 4}) // a second score is ignored

	file("c5", "Koba", "19.04.01.2003", "Nibung", "food", "self", "sms", time.Date(2026, 11, 1, 0, 30, 0, 0, wib))

	q := Filing("c6")
	q.Need, q.Relation, q.NoNIK, q.NIK, q.Kecamatan, q.Desa, q.DesaCode = domain.NeedQuestion, "self", true, "", "", "", ""
	q.FiledAt = time.Date(2026, 10, 12, 9, 0, 0, 0, wib)
	c6, _, err := store.File(ctx, s, q, nil)
	must(t, err)
	out["c6"] = c6

	t7 := time.Date(2026, 10, 10, 9, 0, 0, 0, wib)
	c7 := file("c7", "Koba", "19.04.01.2003", "Nibung", "food", "self", "whatsapp", t7)
	change(c7, t7.Add(h), domain.CaseUpdate{AssignedTo: o1, Status: domain.StatusInProcess, Events: status(o1, domain.StatusNew, domain.StatusInProcess)})
	change(c7, t7.Add(240*h), domain.CaseUpdate{Status: domain.StatusDone, AskSurvey: true, Events: status(o1, domain.StatusInProcess, domain.StatusDone)})
	return out
}

// ReportQuery is October 2026 in WIB, with late meaning no response within 3 days, as
// seen on 2 November.
func ReportQuery() store.ReportQuery {
	return store.ReportQuery{
		From: time.Date(2026, 10, 1, 0, 0, 0, 0, wib), To: time.Date(2026, 11, 1, 0, 0, 0, 0, wib),
		Zone: wib, LateAfter: 72 * time.Hour, Now: time.Date(2026, 11, 2, 0, 0, 0, 0, wib),
	}
}

// TestReports runs the suite for reports, the survey and late cases.
func TestReports(t *testing.T, open func(t *testing.T) ReportDB) {
	ctx := context.Background()
	h := time.Hour

	t.Run("figures of a seeded month", func(t *testing.T) {
		s := open(t)
		ReportSeed(t, s)
		q := ReportQuery()
		want := map[store.Breakdown][]store.Tally{
			store.ByMonth: {{Key: "2026-10", Cases: 5, Open: 2, Done: 2, Rejected: 1, Late: 2}},
			store.ByKecamatan: {
				{Key: "Koba", Cases: 3, Open: 1, Done: 2, Late: 1},
				{Key: "Pangkalan Baru", Cases: 2, Open: 1, Rejected: 1, Late: 1},
			},
			store.ByDesa: {
				{Key: "19.04.01.2003", Name: "Nibung", Group: "Koba", Cases: 2, Done: 2},
				{Key: "19.04.06.2001", Name: "Benteng", Group: "Pangkalan Baru", Cases: 2, Open: 1, Rejected: 1, Late: 1},
				{Key: "19.04.01.2004", Name: "Terentang", Group: "Koba", Cases: 1, Open: 1, Late: 1},
			},
			store.ByNeed: {
				{Key: "food", Cases: 3, Open: 1, Done: 2, Late: 1},
				{Key: "health", Cases: 1, Open: 1, Late: 1},
				{Key: "pkh", Cases: 1, Rejected: 1},
			},
			store.ByChannel: {
				{Key: "sms", Cases: 3, Open: 1, Done: 1, Rejected: 1, Late: 1},
				{Key: "whatsapp", Cases: 2, Open: 1, Done: 1, Late: 1},
			},
			store.ByRelation: {
				{Key: "self", Cases: 3, Open: 1, Done: 2, Late: 1},
				{Key: "family", Cases: 1, Open: 1, Late: 1},
				{Key: "other", Cases: 1, Rejected: 1},
			},
			store.ByStatus: {
				{Key: "baru", Cases: 2, Open: 2, Late: 2}, // c2 was answered, not taken
				{Key: "selesai", Cases: 2, Done: 2},
				{Key: "ditolak", Cases: 1, Rejected: 1},
			},
			store.ByOfficer: {
				{Key: "+628111000001", Cases: 3, Open: 1, Done: 2, Late: 1},
				{Key: "", Cases: 1, Open: 1, Late: 1},
				{Key: "+628111000002", Cases: 1, Rejected: 1},
			},
			store.ByOther: {{Key: domain.NeedQuestion, Cases: 1, Open: 1, Late: 1}},
		}
		for _, by := range store.Breakdowns {
			got, err := s.Tally(ctx, q, by)
			must(t, err)
			if !reflect.DeepEqual(got, want[by]) {
				t.Errorf("by %s:\n got %+v\nwant %+v", by, got, want[by])
			}
		}
		st, err := s.ServiceTimes(ctx, q)
		must(t, err)
		wantST := store.ServiceTimes{
			ToAction:   store.Spread{N: 4, Median: h, P90: 24 * h},
			ToResponse: store.Spread{N: 4, Median: 2 * h, P90: 96 * h},
			ToClosure:  store.Spread{N: 3, Median: 72 * h, P90: 240 * h},
		}
		if st != wantST {
			t.Errorf("service times\n got %+v\nwant %+v", st, wantST)
		}
		sv, err := s.SurveyTally(ctx, q)
		must(t, err)
		if want := (store.SurveyTally{Asked: 3, Answered: 2, Scores: [4]int{0, 1, 0, 1}}); sv != want {
			t.Errorf("survey %+v, want %+v", sv, want)
		}
		var tickets []string
		must(t, store.EachCase(ctx, s, q, func(c domain.Case) error {
			tickets = append(tickets, c.Ticket)
			if c.Name != "Siti Aminah" || c.NIK != "1904014507850001" {
				t.Errorf("case %s not opened: %q %q", c.Ticket, c.Name, c.NIK)
			}
			// fn runs with no query open: it may use the store.
			if _, err := s.Events(ctx, c.ID); err != nil {
				t.Errorf("events of %s inside EachCase: %v", c.Ticket, err)
			}
			return nil
		}))
		if len(tickets) != 5 {
			t.Errorf("EachCase gave %d cases, want the 5 requests for help of October", len(tickets))
		}
		// Pages of two give the same cases, in the same order.
		var paged []string
		for after := (domain.Case{}); ; {
			page, err := s.ReportCases(ctx, q, after, 2)
			must(t, err)
			for _, c := range page {
				paged = append(paged, c.Ticket)
			}
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1]
		}
		if !slices.Equal(paged, tickets) {
			t.Errorf("pages of two gave %v, all at once %v", paged, tickets)
		}
	})

	t.Run("an empty period has no figures", func(t *testing.T) {
		s := open(t)
		q := ReportQuery()
		for _, by := range store.Breakdowns {
			got, err := s.Tally(ctx, q, by)
			must(t, err)
			if len(got) != 0 {
				t.Errorf("by %s: %+v", by, got)
			}
		}
		st, err := s.ServiceTimes(ctx, q)
		must(t, err)
		sv, err := s.SurveyTally(ctx, q)
		must(t, err)
		if st != (store.ServiceTimes{}) || sv != (store.SurveyTally{}) {
			t.Errorf("times %+v, survey %+v", st, sv)
		}
	})

	t.Run("service marks are kept with the case", func(t *testing.T) {
		s := open(t)
		cases := ReportSeed(t, s)
		c1, err := s.CaseByTicket(ctx, cases["c1"].Ticket)
		must(t, err)
		filed := cases["c1"].FiledAt
		want := domain.Service{ActedAt: filed.Add(2 * h), RespondedAt: filed.Add(2 * h), ClosedAt: filed.Add(72 * h)}
		if !c1.Service.ActedAt.Equal(want.ActedAt) || !c1.Service.RespondedAt.Equal(want.RespondedAt) || !c1.Service.ClosedAt.Equal(want.ClosedAt) {
			t.Errorf("service %+v, want %+v", c1.Service, want)
		}
		if c1.Survey.Score != 4 || c1.Survey.Comment != "petugas ramah" || !c1.Survey.AnsweredAt.Equal(filed.Add(73*h)) {
			t.Errorf("survey %+v", c1.Survey)
		}
		// A survey answer is not news of the case: its last update stays the closing.
		if !c1.UpdatedAt.Equal(filed.Add(72 * h)) {
			t.Errorf("updated at %v", c1.UpdatedAt)
		}
	})

	t.Run("the survey answered is the one asked last", func(t *testing.T) {
		s := open(t)
		at := time.Date(2026, 10, 1, 8, 0, 0, 0, wib)
		older, _, err := store.File(ctx, s, Filing("older"), nil)
		must(t, err)
		newer, _, err := store.File(ctx, s, Filing("newer"), nil)
		must(t, err)
		for i, c := range []domain.Case{newer, older} { // the newer case closes first
			_, err := store.Change(ctx, s, c.Ticket, at.Add(time.Duration(i+1)*h), func(domain.Case) (domain.CaseUpdate, error) {
				return domain.CaseUpdate{Status: domain.StatusDone, AskSurvey: true}, nil
			})
			must(t, err)
		}
		got, err := s.SurveyToAnswer(ctx, older.Filer, at)
		must(t, err)
		if got.Ticket != older.Ticket {
			t.Fatalf("answered %s, want %s (asked last)", got.Ticket, older.Ticket)
		}
	})

	t.Run("no reminder to a resident who opted out", func(t *testing.T) {
		s := open(t)
		cases := ReportSeed(t, s)
		c7 := cases["c7"]
		asked := c7.FiledAt.Add(240 * h)
		must(t, s.SetOptOut(ctx, c7.Filer, true, asked))
		n, err := store.RemindSurveys(ctx, s, s, asked.Add(time.Hour), asked.Add(-time.Hour), asked.Add(48*h), func(c domain.Case) []domain.OutboxMessage {
			return []domain.OutboxMessage{{Channel: c.Channel, To: c.Filer, Text: "ingat", CaseID: c.ID}}
		})
		if err != nil || n != 0 {
			t.Fatalf("reminded %d, %v", n, err)
		}
	})

	t.Run("a job's messages are queued once", func(t *testing.T) {
		s := open(t)
		at := ReportQuery().Now
		msgs := []domain.OutboxMessage{{Channel: "console", To: "+628111000009", Text: "ringkasan"}}
		for i, want := range []bool{true, false} {
			done, err := s.EnqueueOnce(ctx, "summary/2026-10", msgs, at.Add(time.Duration(i)*time.Minute))
			must(t, err)
			if done != want {
				t.Fatalf("try %d: done %v", i, done)
			}
		}
		if got := pending(t, s, at.Add(time.Hour)); len(got) != 1 {
			t.Fatalf("outbox %+v", got)
		}
		if done, err := s.EnqueueOnce(ctx, "summary/2026-11", msgs, at); err != nil || !done {
			t.Fatalf("next month: %v %v", done, err)
		}
	})

	t.Run("officers opt in to the monthly summary", func(t *testing.T) {
		s := open(t)
		o := domain.Officer{Phone: "+628111000009", Name: "Sri", Role: domain.RoleSupervisor, Channel: "sms", Active: true, CreatedAt: ReportQuery().Now}
		must(t, s.AddOfficer(ctx, o))
		must(t, s.SetMonthlySummary(ctx, o.Phone, true))
		got, err := s.Officer(ctx, o.Phone)
		must(t, err)
		if !got.MonthlySummary {
			t.Fatal("summary not switched on")
		}
		must(t, s.SetMonthlySummary(ctx, o.Phone, false))
		if got, _ := s.Officer(ctx, o.Phone); got.MonthlySummary {
			t.Fatal("summary not switched off")
		}
		if err := s.SetMonthlySummary(ctx, "+628000", true); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown officer: %v", err)
		}
	})

	t.Run("late cases for TELAT", func(t *testing.T) {
		s := open(t)
		cases := ReportSeed(t, s)
		now := ReportQuery().Now
		late, n, err := s.LateCases(ctx, nil, now.Add(-72*h), 10)
		must(t, err)
		// Unanswered and open: c3, the question c6 and c5 (filed 1 Nov, not yet late).
		if n != 2 || len(late) != 2 || late[0].Ticket != cases["c6"].Ticket || late[1].Ticket != cases["c3"].Ticket {
			t.Fatalf("late %d %+v", n, tickets(late))
		}
		late, n, err = s.LateCases(ctx, []string{"Koba"}, now.Add(-72*h), 10)
		must(t, err)
		if n != 0 || len(late) != 0 {
			t.Fatalf("Koba late %d %v", n, tickets(late))
		}
		late, n, err = s.LateCases(ctx, nil, now.Add(-72*h), 1)
		must(t, err)
		if n != 2 || len(late) != 1 {
			t.Fatalf("limited: %d %v", n, tickets(late))
		}
		if late, n, err = s.LateCases(ctx, []string{}, now, 10); err != nil || n != 0 || len(late) != 0 {
			t.Fatalf("no kecamatan: %d %v %v", n, tickets(late), err)
		}
	})

	t.Run("a survey waits for its answer, and is reminded once", func(t *testing.T) {
		s := open(t)
		cases := ReportSeed(t, s)
		c7 := cases["c7"]
		asked := c7.FiledAt.Add(240 * h)
		got, err := s.SurveyToAnswer(ctx, c7.Filer, asked.Add(-time.Minute))
		must(t, err)
		if got.Ticket != c7.Ticket {
			t.Fatalf("survey to answer %s, want %s", got.Ticket, c7.Ticket)
		}
		if _, err := s.SurveyToAnswer(ctx, c7.Filer, asked); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("asked before since: %v", err)
		}
		if _, err := s.SurveyToAnswer(ctx, cases["c1"].Filer, time.Time{}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("answered survey: %v", err)
		}
		notify := func(c domain.Case) []domain.OutboxMessage {
			return []domain.OutboxMessage{{Channel: c.Channel, To: c.Filer, Text: "ingat " + c.Ticket, CaseID: c.ID}}
		}
		remindAt := asked.Add(48 * h)
		n, err := store.RemindSurveys(ctx, s, s, remindAt.Add(-47*h), remindAt.Add(-7*24*h), remindAt, notify)
		must(t, err)
		if n != 1 {
			t.Fatalf("reminded %d, want 1", n)
		}
		if n, err = store.RemindSurveys(ctx, s, s, remindAt.Add(-47*h), remindAt.Add(-7*24*h), remindAt.Add(time.Hour), notify); err != nil || n != 0 {
			t.Fatalf("second round reminded %d, %v", n, err)
		}
		msgs := pending(t, s, remindAt.Add(time.Hour))
		if len(msgs) != 1 || msgs[0].Text != "ingat "+c7.Ticket || msgs[0].To != c7.Filer {
			t.Fatalf("outbox %+v", msgs)
		}
		// The reminder counts as the latest asking.
		if got, err := s.SurveyToAnswer(ctx, c7.Filer, asked.Add(time.Hour)); err != nil || got.Ticket != c7.Ticket {
			t.Fatalf("after the reminder: %v %v", got.Ticket, err)
		}
	})
}

func tickets(cs []domain.Case) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprint(c.Ticket, " ", c.Kecamatan)
	}
	return out
}
