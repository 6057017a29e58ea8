package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// PurgeStore is a case store with the message log, that purges.
type PurgeStore interface {
	store.Cases
	store.Outbox
	store.MessageLog
	store.Purger
}

// TestPurge runs the retention purge with a fixed clock: what is older than each
// cutoff goes, what is younger stays, opt-outs stay, and a second run finds nothing.
func TestPurge(t *testing.T, open func(t *testing.T) PurgeStore) {
	ctx := context.Background()
	s := open(t)
	old := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	recent := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	cutoff := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

	file := func(id string, at time.Time) domain.Case {
		f := Filing(id)
		f.FiledAt = at
		c, _, err := store.File(ctx, s, f, nil)
		must(t, err)
		return c
	}
	change := func(c domain.Case, at time.Time, u domain.CaseUpdate) {
		_, err := store.Change(ctx, s, c.Ticket, at, func(domain.Case) (domain.CaseUpdate, error) { return u, nil })
		must(t, err)
	}
	closedOld := file("closed-old", old)
	change(closedOld, old.Add(time.Minute), domain.CaseUpdate{Events: []domain.Event{{Actor: "+628111", Kind: "resident_message", Note: "tolong pak"}}})
	change(closedOld, old.Add(2*time.Minute), domain.CaseUpdate{Status: domain.StatusInProcess, Reply: "Kami datang Senin",
		Events: []domain.Event{{Actor: "+628999", Kind: "note", Note: "rumah disurvei"}}})
	change(closedOld, old.Add(3*time.Minute), domain.CaseUpdate{Status: domain.StatusDone})
	openOld := file("open-old", old)
	change(openOld, old.Add(time.Minute), domain.CaseUpdate{Events: []domain.Event{{Actor: "+628111", Kind: "resident_message", Note: "kapan pak"}}})
	closedRecent := file("closed-recent", recent)
	change(closedRecent, recent.Add(time.Minute), domain.CaseUpdate{Status: domain.StatusRejected,
		Events: []domain.Event{{Actor: "+628999", Kind: "note", Note: "sudah dapat PKH"}}})

	must(t, s.RecordMessages(ctx, []domain.MessageRecord{
		{Channel: "sms", Direction: "in", ProviderID: "old", Peer: "+628111", Status: "received", At: old},
		{Channel: "sms", Direction: "in", ProviderID: "new", Peer: "+628111", Status: "received", At: recent},
	}))
	must(t, s.Enqueue(ctx, []domain.OutboxMessage{{Channel: "sms", To: "+628111", Text: "lama"}}, old))
	claimed, err := s.Claim(ctx, "w", 10, time.Minute, old)
	must(t, err)
	for _, m := range claimed {
		must(t, s.Sent(ctx, m.ID, "w", "p-"+m.Text, old))
	}
	must(t, s.Enqueue(ctx, []domain.OutboxMessage{{Channel: "sms", To: "+628222", Text: "baru"}}, recent))
	must(t, s.SetOptOut(ctx, "+628333", true, old))

	n, err := s.Purge(ctx, store.PurgePolicy{Messages: cutoff, Forwarded: cutoff, Closed: cutoff})
	must(t, err)
	if n.Cases != 1 || n.Forwarded != 2 || n.Messages != 2 {
		t.Fatalf("purged %+v, want 1 case, 2 forwarded texts, 2 message records", n)
	}
	got, err := s.CaseByTicket(ctx, closedOld.Ticket)
	must(t, err)
	if got.Name != "" || got.NIK != "" || got.Address != "" || got.Description != "" || got.Filer != "" || got.Contact != "" ||
		got.LastReply != "" || got.FilerName != "" || got.Status != domain.StatusDone || got.Desa == "" || got.Need == "" {
		t.Fatalf("closed old case after the purge: %+v", got)
	}
	events, err := s.Events(ctx, closedOld.ID)
	must(t, err)
	for _, e := range events {
		if e.Note != "" || e.Actor == closedOld.Filer {
			t.Errorf("a note or the resident's number stays on the anonymised case: %+v", e)
		}
	}
	if strings.Contains(got.IntakeID, closedOld.Filer) {
		t.Errorf("the intake id keeps the resident's number: %q", got.IntakeID)
	}
	if len(events) != 3 || events[0].Kind != "filed" {
		t.Errorf("the anonymised case lost its history: %+v", events)
	}
	for _, tc := range []struct {
		c    domain.Case
		note string
	}{{openOld, ""}, {closedRecent, "sudah dapat PKH"}} {
		got, err := s.CaseByTicket(ctx, tc.c.Ticket)
		must(t, err)
		if got.Name == "" || got.NIK == "" {
			t.Errorf("case %s lost its data: %+v", tc.c.Ticket, got)
		}
		events, err := s.Events(ctx, tc.c.ID)
		must(t, err)
		if last := events[len(events)-1]; last.Note != tc.note {
			t.Errorf("case %s: last note %q, want %q", tc.c.Ticket, last.Note, tc.note)
		}
	}
	if _, err := s.Message(ctx, "in", "old"); err == nil {
		t.Error("an old message record stays")
	}
	if _, err := s.Message(ctx, "in", "new"); err != nil {
		t.Errorf("a recent message record went: %v", err)
	}
	if stopped, err := s.OptedOut(ctx, "+628333"); err != nil || !stopped {
		t.Errorf("an opt-out went: %v, %v", stopped, err)
	}
	if again, err := s.Purge(ctx, store.PurgePolicy{Messages: cutoff, Forwarded: cutoff, Closed: cutoff}); err != nil || again != (store.PurgeCount{}) {
		t.Errorf("a second purge: %+v, %v", again, err)
	}
}

// SubjectStore is a sealed case store with the operators' per-resident commands.
type SubjectStore interface {
	store.Cases
	store.Subjects
}

// TestSubjects checks the operators' commands on one resident's data: cases found by
// NIK (sealed, through the blind index), and a closed case erased now while an open
// one is refused.
func TestSubjects(t *testing.T, open func(t *testing.T) SubjectStore) {
	ctx := context.Background()
	s := open(t)
	a, _, err := store.File(ctx, s, Filing("s1"), nil)
	must(t, err)
	b, _, err := store.File(ctx, s, Filing("s2"), nil)
	must(t, err)
	other := Filing("s3")
	other.NIK = "1904015001900002"
	_, _, err = store.File(ctx, s, other, nil)
	must(t, err)
	found, err := s.CasesByNIK(ctx, a.NIK, 10)
	must(t, err)
	if len(found) != 2 || found[0].Ticket != b.Ticket || found[1].NIK != a.NIK {
		t.Fatalf("cases by NIK: %+v", found)
	}
	if err := s.EraseCase(ctx, a.Ticket); !errors.Is(err, store.ErrCaseOpen) {
		t.Fatalf("erasing an open case: %v", err)
	}
	_, err = store.Change(ctx, s, a.Ticket, a.FiledAt.Add(time.Hour), func(domain.Case) (domain.CaseUpdate, error) {
		return domain.CaseUpdate{Status: domain.StatusRejected, Events: []domain.Event{{Actor: "+628999", Kind: "status", Note: "data ganda"}}}, nil
	})
	must(t, err)
	must(t, s.EraseCase(ctx, a.Ticket))
	got, err := s.CaseByTicket(ctx, a.Ticket)
	must(t, err)
	if got.Name != "" || got.NIK != "" || got.Filer != "" || got.Status != domain.StatusRejected {
		t.Fatalf("after erasing: %+v", got)
	}
	if found, _ := s.CasesByNIK(ctx, a.NIK, 10); len(found) != 1 || found[0].Ticket != b.Ticket {
		t.Fatalf("the erased case is still found by its NIK: %+v", found)
	}
	if err := s.EraseCase(ctx, "2600999"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("erasing an unknown ticket: %v", err)
	}
}
