package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
func TestCaseWork(t *testing.T, open func(t *testing.T) CaseDB) {
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
		if _, err := s.UpdateCase(ctx, gone, domain.CaseUpdate{Reply: "x"}, at); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no such case: err = %v", err)
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

	t.Run("officers", func(t *testing.T) {
		s := open(t)
		o := domain.Officer{Phone: "+628999", Name: "Rudi", Role: domain.RolePetugas, Kecamatan: []string{"Koba", "Namang"},
			Channel: "twilio-sms", Active: true, CreatedAt: at}
		must(t, s.AddOfficer(ctx, o))
		if err := s.AddOfficer(ctx, o); !errors.Is(err, store.ErrExists) {
			t.Fatalf("duplicate: %v", err)
		}
		got, err := s.Officer(ctx, "+628999")
		must(t, err)
		if got.Name != "Rudi" || got.Role != domain.RolePetugas || len(got.Kecamatan) != 2 || !got.Active || got.Channel != "twilio-sms" {
			t.Fatalf("officer %+v", got)
		}
		if !got.Covers("koba") || got.Covers("Lubuk Besar") {
			t.Fatal("coverage wrong")
		}
		must(t, s.AddOfficer(ctx, domain.Officer{Phone: "+628888", Name: "Ani", Role: domain.RoleSupervisor, Channel: "console", Active: true, CreatedAt: at}))
		list, err := s.ListOfficers(ctx)
		must(t, err)
		if len(list) != 2 || list[0].Name != "Ani" || !list[0].Covers("Lubuk Besar") {
			t.Fatalf("list %+v", list)
		}
		must(t, s.SetOfficerActive(ctx, "+628999", false, at))
		got, _ = s.Officer(ctx, "+628999")
		if got.Active {
			t.Fatal("still active")
		}
		if err := s.SetOfficerActive(ctx, "+620000", false, at); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown officer: %v", err)
		}
		if _, err := s.Officer(ctx, "+620000"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown officer: %v", err)
		}
	})

	t.Run("roles are a closed set", func(t *testing.T) {
		s := open(t)
		for _, role := range []domain.Role{"boss", "Admin", ""} {
			err := s.AddOfficer(ctx, domain.Officer{Phone: "+628777", Name: "X", Role: role, Channel: "console", Active: true, CreatedAt: at})
			if err == nil || errors.Is(err, store.ErrExists) {
				t.Errorf("role %q stored: %v", role, err)
			}
		}
		if (domain.Officer{Role: "boss"}).Covers("Koba") {
			t.Error("an unknown role covers a kecamatan")
		}
	})

	t.Run("PIN tries and lockout", func(t *testing.T) {
		s := open(t)
		must(t, s.AddOfficer(ctx, domain.Officer{Phone: "+628999", Name: "Rudi", Role: domain.RolePetugas, Channel: "console",
			Active: true, CreatedAt: at, PINHash: "hash-1"}))
		got, err := s.Officer(ctx, "+628999")
		must(t, err)
		if got.PINHash != "hash-1" || got.FailedPINs != 0 || !got.LockedUntil.IsZero() || got.Lockouts != 0 {
			t.Fatalf("new officer %+v", got)
		}
		wrong := func(at time.Time) domain.Officer {
			t.Helper()
			tried, err := s.PINTry(ctx, "+628999", at)
			must(t, err)
			if !tried.LockedUntil.After(at) {
				got, err := s.PINFailed(ctx, "+628999", 5, 30*time.Minute, at)
				must(t, err)
				return got
			}
			return tried
		}
		for i := 1; i <= 4; i++ {
			if got = wrong(at); got.FailedPINs != i || !got.LockedUntil.IsZero() {
				t.Fatalf("after %d wrong PINs: %+v", i, got)
			}
		}
		got = wrong(at)
		if got.FailedPINs != 0 || !got.LockedUntil.Equal(at.Add(30*time.Minute)) || !got.SessionsAfter.Equal(at) || got.Lockouts != 1 {
			t.Fatalf("the fifth wrong PIN: %+v, want locked until %v and logins ended", got, at.Add(30*time.Minute))
		}
		// While locked, tries are not counted: the lockout is not lengthened by them.
		if got = wrong(at.Add(time.Minute)); got.FailedPINs != 0 || !got.LockedUntil.Equal(at.Add(30*time.Minute)) {
			t.Fatalf("a try while locked: %+v", got)
		}
		// The next lockout lasts twice as long.
		later := at.Add(time.Hour)
		for range 5 {
			got = wrong(later)
		}
		if !got.LockedUntil.Equal(later.Add(time.Hour)) || got.Lockouts != 2 {
			t.Fatalf("the second lockout: %+v, want until %v", got, later.Add(time.Hour))
		}
		// A right PIN clears the tries and the lockouts.
		_, err = s.PINTry(ctx, "+628999", later.Add(2*time.Hour))
		must(t, err)
		must(t, s.PINPassed(ctx, "+628999"))
		if got, _ = s.Officer(ctx, "+628999"); got.FailedPINs != 0 || got.Lockouts != 0 {
			t.Fatalf("a right PIN kept the counts: %+v", got)
		}
		must(t, s.SetOfficerPIN(ctx, "+628999", "hash-2", at.Add(time.Hour)))
		if got, _ = s.Officer(ctx, "+628999"); got.PINHash != "hash-2" || !got.LockedUntil.IsZero() || got.FailedPINs != 0 ||
			!got.SessionsAfter.Equal(at.Add(time.Hour)) {
			t.Fatalf("a new PIN kept the lockout, or left logins open: %+v", got)
		}
		must(t, s.SetOfficerActive(ctx, "+628999", true, at.Add(2*time.Hour)))
		if got, _ = s.Officer(ctx, "+628999"); !got.SessionsAfter.Equal(at.Add(2 * time.Hour)) {
			t.Fatalf("enabling left older logins open: %+v", got)
		}
		if err := s.SetOfficerPIN(ctx, "+620000", "h", at); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown officer: %v", err)
		}
		if _, err := s.PINTry(ctx, "+620000", at); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown officer: %v", err)
		}
		if _, err := s.PINFailed(ctx, "+620000", 5, time.Minute, at); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown officer: %v", err)
		}

		// Tries sent at once (two instances) are all counted.
		must(t, s.AddOfficer(ctx, domain.Officer{Phone: "+628666", Name: "Sari", Role: domain.RolePetugas, Channel: "console",
			Active: true, CreatedAt: at, PINHash: "h"}))
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.PINTry(ctx, "+628666", at); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if got, _ := s.Officer(ctx, "+628666"); got.FailedPINs != 4 {
			t.Fatalf("4 tries at once counted as %d", got.FailedPINs)
		}
	})

	t.Run("outbox leases and outcomes", func(t *testing.T) {
		s := open(t)
		must(t, s.Enqueue(ctx, []domain.OutboxMessage{
			{Channel: "console", To: "+628111", Text: "a"},
			{Channel: "console", To: "+628222", Text: "b"},
			{Channel: "console", To: "+628333", Text: "later", NextAt: at.Add(time.Hour)},
		}, at))
		claimed, err := s.Claim(ctx, "w1", 10, time.Minute, at)
		must(t, err)
		if len(claimed) != 2 || claimed[0].Text != "a" || claimed[0].Attempts != 1 || claimed[1].Text != "b" {
			t.Fatalf("claimed %+v", claimed)
		}
		if more, _ := s.Claim(ctx, "w2", 10, time.Minute, at.Add(time.Second)); len(more) != 0 {
			t.Fatalf("leased messages claimed again: %+v", more)
		}
		must(t, s.Sent(ctx, claimed[0].ID, "w1", "SM1", at))
		must(t, s.Retry(ctx, claimed[1].ID, "w1", at.Add(10*time.Second), "busy", at))
		if got, _ := s.OutboxMessageByID(ctx, claimed[0].ID); got.State != domain.OutboxSent || got.ProviderID != "SM1" || got.Text != "" {
			t.Fatalf("sent message %+v (its text is not kept once sent)", got)
		}
		// The retry is due after its backoff, not before.
		if again, _ := s.Claim(ctx, "w2", 10, time.Minute, at.Add(5*time.Second)); len(again) != 0 {
			t.Fatalf("claimed before backoff: %+v", again)
		}
		again, err := s.Claim(ctx, "w2", 10, time.Minute, at.Add(11*time.Second))
		must(t, err)
		if len(again) != 1 || again[0].Text != "b" || again[0].Attempts != 2 || again[0].LastError != "busy" {
			t.Fatalf("retry claimed %+v", again)
		}
		must(t, s.Failed(ctx, again[0].ID, "w2", "invalid number", at))
		if got, _ := s.OutboxMessageByID(ctx, again[0].ID); got.State != domain.OutboxFailed || got.Text != "" {
			t.Fatalf("failed message %+v (its text is not kept once failed)", got)
		}
		if late, _ := s.Claim(ctx, "w3", 10, time.Minute, at.Add(2*time.Hour)); len(late) != 1 || late[0].Text != "later" {
			t.Fatalf("scheduled message %+v", late)
		}
	})

	t.Run("every message keeps one send key through its retries", func(t *testing.T) {
		s := open(t)
		_, _, err := store.File(ctx, s, Filing("k1"), func(c domain.Case) []domain.OutboxMessage {
			return []domain.OutboxMessage{{Channel: "console", To: "+628444", Text: "filed", CaseID: c.ID}}
		})
		must(t, err)
		must(t, s.Enqueue(ctx, []domain.OutboxMessage{
			{Channel: "console", To: "+628111", Text: "given", Key: "reply-7f3a"},
			{Channel: "console", To: "+628222", Text: "made"},
			{Channel: "console", To: "+628333", Text: "made too"},
		}, at))
		claimed, err := s.Claim(ctx, "w1", 10, time.Minute, at.Add(time.Hour))
		must(t, err)
		keys := map[string]string{}
		seen := map[string]bool{}
		for _, m := range claimed {
			if m.Key == "" || seen[m.Key] {
				t.Fatalf("message %q has key %q (empty or shared): %+v", m.Text, m.Key, claimed)
			}
			seen[m.Key] = true
			keys[m.Text] = m.Key
			must(t, s.Retry(ctx, m.ID, "w1", at.Add(time.Hour), "busy", at.Add(time.Hour)))
		}
		if len(claimed) != 4 || keys["given"] != "reply-7f3a" {
			t.Fatalf("claimed %+v: the given key is kept", claimed)
		}
		again, err := s.Claim(ctx, "w2", 10, time.Minute, at.Add(3*time.Hour))
		must(t, err)
		for _, m := range again {
			if keys[m.Text] != m.Key {
				t.Fatalf("%q was claimed again with key %q, first %q", m.Text, m.Key, keys[m.Text])
			}
		}
		if len(again) != 4 {
			t.Fatalf("claimed again %+v", again)
		}
	})

	t.Run("a recipient's messages are handed out one at a time, in order", func(t *testing.T) {
		s := open(t)
		must(t, s.Enqueue(ctx, []domain.OutboxMessage{
			{Channel: "console", To: "+628111", Text: "1"},
			{Channel: "console", To: "+628111", Text: "2"},
			{Channel: "console", To: "+628222", Text: "other"},
			{Channel: "console", To: "+628111", Text: "3"},
		}, at))
		first, err := s.Claim(ctx, "w1", 10, time.Minute, at)
		must(t, err)
		if len(first) != 2 || first[0].Text != "1" || first[1].Text != "other" {
			t.Fatalf("first claim %+v", first)
		}
		must(t, s.Sent(ctx, first[1].ID, "w1", "SM0", at))
		// While 1 is leased, and while it waits for a retry, 2 is not due.
		if more := pending(t, s, at.Add(time.Second)); len(more) != 0 {
			t.Fatalf("claimed behind a leased message: %+v", more)
		}
		must(t, s.Retry(ctx, first[0].ID, "w1", at.Add(time.Minute), "busy", at))
		if more := pending(t, s, at.Add(30*time.Second)); len(more) != 0 {
			t.Fatalf("claimed behind a message waiting for its retry: %+v", more)
		}
		retried, err := s.Claim(ctx, "w2", 10, time.Minute, at.Add(time.Minute))
		must(t, err)
		if len(retried) != 1 || retried[0].Text != "1" {
			t.Fatalf("retry claim %+v", retried)
		}
		must(t, s.Sent(ctx, retried[0].ID, "w2", "SM1", at))
		next, err := s.Claim(ctx, "w2", 10, time.Minute, at.Add(time.Minute))
		must(t, err)
		if len(next) != 1 || next[0].Text != "2" {
			t.Fatalf("after 1 was sent: %+v", next)
		}
		// A message that failed for good no longer holds up the next one.
		must(t, s.Failed(ctx, next[0].ID, "w2", "refused", at))
		last, err := s.Claim(ctx, "w2", 10, time.Minute, at.Add(time.Minute))
		must(t, err)
		if len(last) != 1 || last[0].Text != "3" {
			t.Fatalf("after 2 failed: %+v", last)
		}
	})

	t.Run("a claim says which recipients opted out", func(t *testing.T) {
		s := open(t)
		must(t, s.SetOptOut(ctx, "+628111", true, at))
		must(t, s.Enqueue(ctx, []domain.OutboxMessage{
			{Channel: "console", To: "+628111", Text: "stopped"},
			{Channel: "console", To: "+628222", Text: "wants news"},
		}, at))
		got := pending(t, s, at)
		if len(got) != 2 || !got[0].OptedOut || got[1].OptedOut {
			t.Fatalf("claimed %+v", got)
		}
	})

	t.Run("a lease is extended while the message is worked on, and released on stop", func(t *testing.T) {
		s := open(t)
		must(t, s.Enqueue(ctx, []domain.OutboxMessage{
			{Channel: "console", To: "+628111", Text: "slow"},
			{Channel: "console", To: "+628222", Text: "stopped"},
		}, at))
		claimed, err := s.Claim(ctx, "w1", 10, time.Minute, at)
		must(t, err)
		if len(claimed) != 2 {
			t.Fatalf("claimed %+v", claimed)
		}
		held, err := s.Extend(ctx, "w1", []int64{claimed[0].ID}, at.Add(2*time.Minute))
		must(t, err)
		if len(held) != 1 || held[0] != claimed[0].ID {
			t.Fatalf("extended %v", held)
		}
		must(t, s.Release(ctx, "w1", []int64{claimed[1].ID}))
		// After the first lease would have ended: the extended message is still w1's,
		// the released one is due again with its attempt not counted.
		later, err := s.Claim(ctx, "w2", 10, time.Minute, at.Add(90*time.Second))
		must(t, err)
		if len(later) != 1 || later[0].Text != "stopped" || later[0].Attempts != 1 {
			t.Fatalf("claimed after the first lease %+v", later)
		}
		if held, err := s.Extend(ctx, "w1", []int64{claimed[1].ID}, at.Add(3*time.Minute)); err != nil || len(held) != 0 {
			t.Fatalf("extended a lease another worker holds: %v %v", held, err)
		}
		must(t, s.Sent(ctx, claimed[0].ID, "w1", "SM1", at))
		if held, err := s.Extend(ctx, "w1", []int64{claimed[0].ID}, at.Add(3*time.Minute)); err != nil || len(held) != 0 {
			t.Fatalf("extended a sent message: %v %v", held, err)
		}
	})

	t.Run("a dead worker's message is sent after its lease", func(t *testing.T) {
		s := open(t)
		must(t, s.Enqueue(ctx, []domain.OutboxMessage{{Channel: "console", To: "+628111", Text: "a"}}, at))
		dead, err := s.Claim(ctx, "dead", 10, time.Minute, at)
		must(t, err)
		if len(dead) != 1 {
			t.Fatal("nothing claimed")
		}
		alive, err := s.Claim(ctx, "alive", 10, time.Minute, at.Add(61*time.Second))
		must(t, err)
		if len(alive) != 1 || alive[0].Attempts != 2 {
			t.Fatalf("after the lease: %+v", alive)
		}
		must(t, s.Sent(ctx, alive[0].ID, "alive", "SM2", at))
		// The dead worker waking up late cannot overwrite the outcome.
		if err := s.Sent(ctx, dead[0].ID, "dead", "SM1", at); !errors.Is(err, domain.ErrLeaseLost) {
			t.Fatalf("late outcome: %v", err)
		}
	})

	t.Run("concurrent workers claim disjoint messages, each recipient's in order", func(t *testing.T) {
		s := open(t)
		var batch []domain.OutboxMessage
		for i := range 300 {
			batch = append(batch, domain.OutboxMessage{Channel: "console", To: fmt.Sprintf("+62811%04d", i%40), Text: fmt.Sprint(i)})
		}
		must(t, s.Enqueue(ctx, batch, at))
		var mu sync.Mutex
		seen := map[int64]int{}
		sent := map[string][]int64{}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for idle := 0; idle < 3; {
					msgs, err := s.Claim(ctx, fmt.Sprint("w", w), 7, time.Minute, at)
					if err != nil {
						t.Error(err)
						return
					}
					if len(msgs) == 0 {
						// Others may still hold a recipient's earlier message.
						idle++
						time.Sleep(20 * time.Millisecond)
						continue
					}
					idle = 0
					for _, m := range msgs {
						mu.Lock()
						seen[m.ID]++
						sent[m.To] = append(sent[m.To], m.ID)
						mu.Unlock()
						if err := s.Sent(ctx, m.ID, fmt.Sprint("w", w), "SM", at); err != nil {
							t.Error(err)
						}
					}
				}
			}()
		}
		wg.Wait()
		if len(seen) != 300 {
			t.Fatalf("%d of 300 messages claimed", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("message %d claimed %d times", id, n)
			}
		}
		for to, ids := range sent {
			if !slices.IsSorted(ids) {
				t.Fatalf("%s got its messages out of order: %v", to, ids)
			}
		}
	})
}
