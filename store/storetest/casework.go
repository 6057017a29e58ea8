package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// CaseDB is a case database with everything officers and the outbox need.
type CaseDB interface {
	store.Cases
	store.Outbox
	store.Officers
	store.MessageLog
}

// pending lists what a fresh worker would claim now.
func pending(t *testing.T, s store.Outbox, now time.Time) []domain.OutboxMessage {
	t.Helper()
	msgs, err := s.Claim(context.Background(), fmt.Sprint("peek-", now.UnixNano()), 10000, time.Millisecond, now)
	must(t, err)
	return msgs
}

// TestCaseWork runs the suite for case changes, officers and the outbox.
// TestCaseWork runs the suite for what officers and the workers do with a case
// database: changes to cases, the officer registry (officers.go) and the outbox
// (outbox.go).
func TestCaseWork(t *testing.T, open func(t *testing.T) CaseDB) {
	caseChanges(t, open)
	officerRegistry(t, open)
	outboxDelivery(t, open)
}

// caseChanges: filing with messages, changes at a version, escalation, listings.
func caseChanges(t *testing.T, open func(t *testing.T) CaseDB) {
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	t.Run("filing queues its notifications once", func(t *testing.T) {
		s := open(t)
		notify := func(c domain.Case) []domain.OutboxMessage {
			return []domain.OutboxMessage{{Channel: "console", To: "+628111", Text: "new " + c.Ticket, CaseID: c.ID}}
		}
		c, _, err := store.File(ctx, s, Filing("i1"), notify)
		must(t, err)
		_, created, err := store.File(ctx, s, Filing("i1"), notify)
		must(t, err)
		if created {
			t.Fatal("second filing created a case")
		}
		msgs := pending(t, s, at.Add(time.Hour))
		if len(msgs) != 1 || msgs[0].Text != "new "+c.Ticket || msgs[0].CaseID != c.ID {
			t.Fatalf("outbox %+v", msgs)
		}
	})

	t.Run("a change, its events and its messages are one transaction", func(t *testing.T) {
		s := open(t)
		c, _, err := store.File(ctx, s, Filing("i1"), nil)
		must(t, err)
		got, err := store.Change(ctx, s, c.Ticket, at.Add(time.Minute), func(cur domain.Case) (domain.CaseUpdate, error) {
			if cur.Status != domain.StatusNew {
				t.Errorf("decide saw %s", cur.Status)
			}
			return domain.CaseUpdate{
				Status: domain.StatusInProcess, AssignedTo: "+628999", Reply: "We will visit on Monday",
				Events:   []domain.Event{{Actor: "+628999", Kind: "status", From: domain.StatusNew, To: domain.StatusInProcess, Note: "ok"}},
				Messages: []domain.OutboxMessage{{Channel: "console", To: c.Filer, Text: "diproses", CaseID: c.ID}},
			}, nil
		})
		must(t, err)
		if got.Status != domain.StatusInProcess || got.AssignedTo != "+628999" || got.LastReply != "We will visit on Monday" || !got.LastReplyAt.Equal(at.Add(time.Minute)) {
			t.Fatalf("updated %+v", got)
		}
		again, err := s.CaseByTicket(ctx, c.Ticket)
		must(t, err)
		if again.Status != got.Status || again.AssignedTo != got.AssignedTo || again.LastReply != got.LastReply ||
			!again.LastReplyAt.Equal(got.LastReplyAt) || !again.UpdatedAt.Equal(at.Add(time.Minute)) {
			t.Fatalf("read back %+v", again)
		}
		events, err := s.Events(ctx, c.ID)
		must(t, err)
		if len(events) != 2 || events[1].Kind != "status" || events[1].Actor != "+628999" || events[1].From != domain.StatusNew || events[1].Note != "ok" {
			t.Fatalf("events %+v", events)
		}
		if msgs := pending(t, s, at.Add(time.Hour)); len(msgs) != 1 || msgs[0].Text != "diproses" {
			t.Fatalf("outbox %+v", msgs)
		}

		// A refused change writes nothing.
		refused := errors.New("not allowed")
		_, err = store.Change(ctx, s, c.Ticket, at.Add(2*time.Minute), func(domain.Case) (domain.CaseUpdate, error) { return domain.CaseUpdate{}, refused })
		if !errors.Is(err, refused) {
			t.Fatalf("err = %v", err)
		}
		events, _ = s.Events(ctx, c.ID)
		if len(events) != 2 {
			t.Fatalf("refused change left %d events", len(events))
		}
		if _, err := store.Change(ctx, s, "2699993", at, func(domain.Case) (domain.CaseUpdate, error) { return domain.CaseUpdate{}, nil }); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown ticket: %v", err)
		}
	})

	t.Run("concurrent changes of one case are serialised", func(t *testing.T) {
		s := open(t)
		c, _, err := store.File(ctx, s, Filing("i1"), nil)
		must(t, err)
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := store.Change(ctx, s, c.Ticket, at, func(cur domain.Case) (domain.CaseUpdate, error) {
					// Each change appends to the last reply: a lost update would drop a digit.
					return domain.CaseUpdate{Reply: cur.LastReply + fmt.Sprint(i%10)}, nil
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, err := s.CaseByTicket(ctx, c.Ticket)
		must(t, err)
		if len(got.LastReply) != 10 {
			t.Fatalf("last reply %q: updates were lost", got.LastReply)
		}
	})

	t.Run("a change decided on a stale read writes nothing", func(t *testing.T) {
		s := open(t)
		read, _, err := store.File(ctx, s, Filing("i1"), nil)
		must(t, err)
		moved, err := s.UpdateCase(ctx, read, domain.CaseUpdate{AssignedTo: "+628999",
			Events: []domain.Event{{Actor: "+628999", Kind: "assign"}}}, at)
		must(t, err)
		if moved.Version != read.Version+1 {
			t.Fatalf("version %d after one change of %d", moved.Version, read.Version)
		}
		_, err = s.UpdateCase(ctx, read, domain.CaseUpdate{Status: domain.StatusRejected,
			Events:   []domain.Event{{Actor: "+628888", Kind: "status", To: domain.StatusRejected}},
			Messages: []domain.OutboxMessage{{Channel: "console", To: read.Filer, Text: "ditolak", CaseID: read.ID}}}, at)
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale write: err = %v, want ErrConflict", err)
		}
		got, err := s.CaseByTicket(ctx, read.Ticket)
		must(t, err)
		if got.Status != domain.StatusNew || got.AssignedTo != "+628999" || got.Version != moved.Version {
			t.Fatalf("after the stale write %+v", got)
		}
		if events, _ := s.Events(ctx, read.ID); len(events) != 2 {
			t.Fatalf("%d events, want filed and assign", len(events))
		}
		if msgs := pending(t, s, at.Add(time.Hour)); len(msgs) != 0 {
			t.Fatalf("the stale write queued %+v", msgs)
		}
		gone := read
		gone.ID = read.ID + 1000
		if _, err := s.UpdateCase(ctx, gone, domain.CaseUpdate{Reply: "x"}, at); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("no such case: err = %v, want ErrConflict", err)
		}
	})

	t.Run("a decision may read the store", func(t *testing.T) {
		// Decisions run before the write's transaction: one that reads (on SQLite's
		// single connection too) neither waits on itself nor holds a lock.
		s := open(t)
		c, _, err := store.File(ctx, s, Filing("i1"), nil)
		must(t, err)
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err = store.Change(dctx, s, c.Ticket, at, func(cur domain.Case) (domain.CaseUpdate, error) {
			events, err := s.Events(dctx, cur.ID)
			if err != nil {
				return domain.CaseUpdate{}, err
			}
			n, err := s.CountCasesByNIK(dctx, cur.NIK, cur.ID)
			if err != nil {
				return domain.CaseUpdate{}, err
			}
			return domain.CaseUpdate{Reply: fmt.Sprintf("%d events, %d others", len(events), n)}, nil
		})
		must(t, err)
		if got, _ := s.CaseByTicket(ctx, c.Ticket); got.LastReply != "1 events, 0 others" {
			t.Fatalf("reply %q", got.LastReply)
		}
	})

	t.Run("instances escalating together escalate each case once", func(t *testing.T) {
		s := open(t)
		for i := range 6 {
			_, _, err := store.File(ctx, s, Filing(fmt.Sprint("old", i)), nil)
			must(t, err)
		}
		notify := func(c domain.Case) []domain.OutboxMessage {
			// One recipient each: a claim hands out one message per recipient.
			return []domain.OutboxMessage{{Channel: "console", To: "+6281" + c.Ticket, Text: "escalated " + c.Ticket}}
		}
		now := at.Add(25 * time.Hour)
		var wg sync.WaitGroup
		var total atomic.Int64
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := store.Escalate(ctx, s, now.Add(-24*time.Hour), now, notify)
				if err != nil {
					t.Error(err)
				}
				total.Add(int64(n))
			}()
		}
		wg.Wait()
		if total.Load() != 6 {
			t.Fatalf("%d escalations of 6 cases", total.Load())
		}
		seen := map[string]bool{}
		for _, m := range pending(t, s, now) {
			if seen[m.Text] {
				t.Fatalf("%q queued twice", m.Text)
			}
			seen[m.Text] = true
		}
		if len(seen) != 6 {
			t.Fatalf("%d escalation messages, want 6", len(seen))
		}
	})

	t.Run("open cases by kecamatan, newest first, paged", func(t *testing.T) {
		s := open(t)
		var tickets []string
		for i, k := range []string{"Koba", "Namang", "Koba", "Koba", "Lubuk Besar"} {
			f := Filing(fmt.Sprint("i", i))
			f.Kecamatan = k
			c, _, err := store.File(ctx, s, f, nil)
			must(t, err)
			tickets = append(tickets, c.Ticket)
		}
		_, err := store.Change(ctx, s, tickets[3], at, func(domain.Case) (domain.CaseUpdate, error) {
			return domain.CaseUpdate{Status: domain.StatusDone}, nil
		})
		must(t, err)
		page, err := s.OpenCases(ctx, []string{"Koba"}, 0, 1)
		must(t, err)
		if len(page) != 1 || page[0].Ticket != tickets[2] {
			t.Fatalf("first page %+v", page)
		}
		next, err := s.OpenCases(ctx, []string{"Koba"}, page[0].ID, 10)
		must(t, err)
		if len(next) != 1 || next[0].Ticket != tickets[0] {
			t.Fatalf("second page %+v", next)
		}
		all, err := s.OpenCases(ctx, nil, 0, 10)
		must(t, err)
		if len(all) != 4 {
			t.Fatalf("%d open cases in all kecamatan, want 4", len(all))
		}
		none, err := s.OpenCases(ctx, []string{}, 0, 10)
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("no kecamatan gave %d cases", len(none))
		}
	})

	t.Run("latest replied case of a filer", func(t *testing.T) {
		s := open(t)
		c, _, err := store.File(ctx, s, Filing("i1"), nil)
		must(t, err)
		if _, err := s.LatestRepliedCase(ctx, c.Filer, at.Add(-time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no reply yet: %v", err)
		}
		_, err = store.Change(ctx, s, c.Ticket, at, func(domain.Case) (domain.CaseUpdate, error) { return domain.CaseUpdate{Reply: "hi"}, nil })
		must(t, err)
		got, err := s.LatestRepliedCase(ctx, c.Filer, at.Add(-time.Hour))
		must(t, err)
		if got.ID != c.ID {
			t.Fatalf("got case %d", got.ID)
		}
		if _, err := s.LatestRepliedCase(ctx, c.Filer, at.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("reply older than since: %v", err)
		}
		_, err = store.Change(ctx, s, c.Ticket, at, func(domain.Case) (domain.CaseUpdate, error) { return domain.CaseUpdate{Status: domain.StatusDone}, nil })
		must(t, err)
		if _, err := s.LatestRepliedCase(ctx, c.Filer, at.Add(-time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("closed case: %v", err)
		}
	})

	t.Run("untaken cases escalate once", func(t *testing.T) {
		s := open(t)
		old, _, err := store.File(ctx, s, Filing("old"), nil)
		must(t, err)
		taken, _, err := store.File(ctx, s, Filing("taken"), nil)
		must(t, err)
		_, err = store.Change(ctx, s, taken.Ticket, at, func(domain.Case) (domain.CaseUpdate, error) {
			return domain.CaseUpdate{Status: domain.StatusInProcess, AssignedTo: "+628999"}, nil
		})
		must(t, err)
		fresh := Filing("fresh")
		fresh.FiledAt = at.Add(30 * time.Hour)
		_, _, err = store.File(ctx, s, fresh, nil)
		must(t, err)
		notify := func(c domain.Case) []domain.OutboxMessage {
			return []domain.OutboxMessage{{Channel: "console", To: "+628777", Text: "escalated " + c.Ticket}}
		}
		now := at.Add(25 * time.Hour)
		n, err := store.Escalate(ctx, s, now.Add(-24*time.Hour), now, notify)
		must(t, err)
		if n != 1 {
			t.Fatalf("%d escalated, want 1", n)
		}
		if n, _ := store.Escalate(ctx, s, now.Add(-24*time.Hour), now, notify); n != 0 {
			t.Fatalf("escalated again: %d", n)
		}
		msgs := pending(t, s, now)
		if len(msgs) != 1 || msgs[0].Text != "escalated "+old.Ticket {
			t.Fatalf("outbox %+v", msgs)
		}
		got, _ := s.CaseByTicket(ctx, old.Ticket)
		if !got.EscalatedAt.Equal(now) {
			t.Fatalf("escalated at %v", got.EscalatedAt)
		}
	})

}
