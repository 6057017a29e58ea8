package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// Filing returns a complete sample filing; tests change what they need.
func Filing(intakeID string) domain.Filing {
	return domain.Filing{
		IntakeID: intakeID, Channel: "console", Filer: "+6281234567890", FilerName: "Budi Santoso", Lang: "id",
		Notice: "2026-11", NoticeAt: time.Date(2026, 11, 26, 9, 50, 0, 0, time.UTC),
		Relation: "self", Name: "Siti Aminah", NIK: "1904014507850001",
		DesaCode: "19.04.01.2003", Desa: "Nibung", Kecamatan: "Koba",
		Address: "Dusun 2 RT 03", Need: "food", Description: "Husband ill for three months, cannot work.",
		Contact: "+6281234567890", FiledAt: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC),
	}
}

// TestCases runs the suite; open returns a fresh, empty store for each subtest.
func TestCases(t *testing.T, open func(t *testing.T) store.Cases) {
	ctx := context.Background()

	t.Run("times are kept to the millisecond, as given back", func(t *testing.T) {
		s := open(t)
		f := Filing("ms")
		f.FiledAt = time.Date(2026, 11, 26, 10, 0, 0, 1_999_600, time.UTC) // 1.9996 ms past
		c, _, err := store.File(ctx, s, f, nil)
		must(t, err)
		want := time.Date(2026, 11, 26, 10, 0, 0, 1_000_000, time.UTC)
		got, err := s.CaseByTicket(ctx, c.Ticket)
		must(t, err)
		if !c.FiledAt.Equal(want) || !got.FiledAt.Equal(want) {
			t.Fatalf("filed at %v, read back %v, want %v on every engine", c.FiledAt, got.FiledAt, want)
		}
		changed, err := store.Change(ctx, s, c.Ticket, want.Add(time.Hour+900*time.Microsecond), func(domain.Case) (domain.CaseUpdate, error) {
			return domain.CaseUpdate{Status: domain.StatusInProcess}, nil
		})
		must(t, err)
		got, err = s.CaseByTicket(ctx, c.Ticket)
		must(t, err)
		if !changed.UpdatedAt.Equal(want.Add(time.Hour)) || !got.UpdatedAt.Equal(want.Add(time.Hour)) || !got.Service.RespondedAt.Equal(want.Add(time.Hour)) {
			t.Fatalf("updated at %v, read back %v / %v", changed.UpdatedAt, got.UpdatedAt, got.Service.RespondedAt)
		}
	})

	t.Run("file and find by ticket", func(t *testing.T) {
		s := open(t)
		f := Filing("i1")
		c, created, err := store.File(ctx, s, f, nil)
		must(t, err)
		if !created || c.ID == 0 || c.Status != domain.StatusNew {
			t.Fatalf("FileCase = %+v, created %v", c, created)
		}
		if canon, err := domain.ParseTicket(c.Ticket); err != nil || canon != c.Ticket {
			t.Fatalf("ticket %q does not parse to itself: %q, %v", c.Ticket, canon, err)
		}
		got, err := s.CaseByTicket(ctx, c.Ticket)
		must(t, err)
		if got.Filing != c.Filing || got.Ticket != c.Ticket || got.Status != domain.StatusNew {
			t.Fatalf("CaseByTicket =\n%+v\nwant\n%+v", got, c)
		}
		if !got.FiledAt.Equal(f.FiledAt) || !got.UpdatedAt.Equal(f.FiledAt) {
			t.Fatalf("times %v %v, want %v", got.FiledAt, got.UpdatedAt, f.FiledAt)
		}
	})

	t.Run("a ticket takes the year of the filing's own clock", func(t *testing.T) {
		// 03:00 WIB on 1 January 2027 is still 2026 in UTC: the office's new year.
		s := open(t)
		f := Filing("new-year")
		f.FiledAt = time.Date(2027, 1, 1, 3, 0, 0, 0, time.FixedZone("WIB", 7*3600))
		c, _, err := store.File(ctx, s, f, nil)
		must(t, err)
		if !strings.HasPrefix(c.Ticket, "27") {
			t.Fatalf("ticket %s filed at %v, want a 2027 ticket", c.Ticket, f.FiledAt)
		}
		if got, err := s.CaseByTicket(ctx, c.Ticket); err != nil || !got.FiledAt.Equal(f.FiledAt) {
			t.Fatalf("read back %v, %v", got.FiledAt, err)
		}
	})

	t.Run("cases sharing a NIK are counted", func(t *testing.T) {
		s := open(t)
		a, _, err := store.File(ctx, s, Filing("n1"), nil)
		must(t, err)
		b, _, err := store.File(ctx, s, Filing("n2"), nil)
		must(t, err)
		other := Filing("n3")
		other.NIK = "1904015001900002"
		_, _, err = store.File(ctx, s, other, nil)
		must(t, err)
		none := Filing("n4")
		none.NIK, none.NoNIK = "", true
		c, _, err := store.File(ctx, s, none, nil)
		must(t, err)
		for _, tc := range []struct {
			nik    string
			except int64
			want   int
		}{{a.NIK, a.ID, 1}, {a.NIK, b.ID, 1}, {a.NIK, 0, 2}, {other.NIK, 0, 1}, {"", c.ID, 0}, {"1904019999990001", 0, 0}} {
			n, err := s.CountCasesByNIK(ctx, tc.nik, tc.except)
			must(t, err)
			if n != tc.want {
				t.Errorf("CountCasesByNIK(%q, %d) = %d, want %d", tc.nik, tc.except, n, tc.want)
			}
		}
	})

	t.Run("times read back as returned", func(t *testing.T) {
		s := open(t)
		f := Filing("i1")
		f.FiledAt = time.Date(2026, 11, 26, 10, 0, 0, 123456789, time.FixedZone("WIB", 7*3600))
		c, _, err := store.File(ctx, s, f, nil)
		must(t, err)
		got, err := s.CaseByTicket(ctx, c.Ticket)
		must(t, err)
		if !got.FiledAt.Equal(c.FiledAt) || !got.UpdatedAt.Equal(c.UpdatedAt) || got.FiledAt.Location() != time.UTC {
			t.Fatalf("filed at %v, read back %v", c.FiledAt, got.FiledAt)
		}
		if d := f.FiledAt.Sub(got.FiledAt); d < 0 || d >= time.Millisecond {
			t.Fatalf("filing time off by %v", d)
		}
	})

	t.Run("no NIK is kept as such", func(t *testing.T) {
		s := open(t)
		f := Filing("i1")
		f.NIK, f.NoNIK = "", true
		c, _, err := store.File(ctx, s, f, nil)
		must(t, err)
		got, err := s.CaseByTicket(ctx, c.Ticket)
		must(t, err)
		if !got.NoNIK || got.NIK != "" {
			t.Fatalf("NoNIK %v NIK %q", got.NoNIK, got.NIK)
		}
	})

	t.Run("filing is idempotent", func(t *testing.T) {
		s := open(t)
		first, _, err := store.File(ctx, s, Filing("i1"), nil)
		must(t, err)
		again, created, err := store.File(ctx, s, Filing("i1"), nil)
		must(t, err)
		if created || again.ID != first.ID || again.Ticket != first.Ticket {
			t.Fatalf("second filing created=%v %+v, first %+v", created, again, first)
		}
		cases, err := s.CasesByFiler(ctx, Filing("").Filer, 10)
		must(t, err)
		if len(cases) != 1 {
			t.Fatalf("%d cases after filing one intake twice", len(cases))
		}
	})

	t.Run("concurrent filings: one case per intake, unique tickets", func(t *testing.T) {
		s := open(t)
		const intakes, tries = 10, 4
		var mu sync.Mutex
		tickets := map[string]string{}
		var wg sync.WaitGroup
		for i := range intakes {
			for range tries {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id := fmt.Sprint("i", i)
					c, _, err := store.File(ctx, s, Filing(id), nil)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					defer mu.Unlock()
					if prev, ok := tickets[id]; ok && prev != c.Ticket {
						t.Errorf("intake %s filed as %s and %s", id, prev, c.Ticket)
					}
					tickets[id] = c.Ticket
				}()
			}
		}
		wg.Wait()
		seen := map[string]bool{}
		for _, tk := range tickets {
			if seen[tk] {
				t.Errorf("ticket %s used twice", tk)
			}
			seen[tk] = true
		}
		cases, err := s.CasesByFiler(ctx, Filing("").Filer, 100)
		must(t, err)
		if len(cases) != intakes {
			t.Fatalf("%d cases for %d intakes", len(cases), intakes)
		}
	})

	t.Run("unknown ticket", func(t *testing.T) {
		s := open(t)
		if _, err := s.CaseByTicket(ctx, "2699990"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})

	t.Run("cases by filer newest first with limit", func(t *testing.T) {
		s := open(t)
		for i := range 3 {
			f := Filing(fmt.Sprint("i", i))
			f.FiledAt = f.FiledAt.Add(time.Duration(i) * time.Hour)
			_, _, err := store.File(ctx, s, f, nil)
			must(t, err)
		}
		other := Filing("x")
		other.Filer = "+6285200000000"
		_, _, err := store.File(ctx, s, other, nil)
		must(t, err)
		cases, err := s.CasesByFiler(ctx, Filing("").Filer, 2)
		must(t, err)
		if len(cases) != 2 || cases[0].IntakeID != "i2" || cases[1].IntakeID != "i1" {
			t.Fatalf("got %d cases: %+v", len(cases), cases)
		}
		none, err := s.CasesByFiler(ctx, "+6289999999999", 5)
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("stranger has %d cases", len(none))
		}
	})

	t.Run("filing is an audit event", func(t *testing.T) {
		s := open(t)
		c, _, err := store.File(ctx, s, Filing("i1"), nil)
		must(t, err)
		events, err := s.Events(ctx, c.ID)
		must(t, err)
		if len(events) != 1 {
			t.Fatalf("%d events", len(events))
		}
		e := events[0]
		if e.Kind != "filed" || e.To != domain.StatusNew || e.Actor != c.Filer || e.CaseID != c.ID || !e.At.Equal(c.FiledAt) {
			t.Fatalf("event %+v", e)
		}
	})

	t.Run("text is stored as given", func(t *testing.T) {
		s := open(t)
		f := Filing("i1")
		f.Description = "Robert'); DROP TABLE cases;-- 漢字 العربية"
		c, _, err := store.File(ctx, s, f, nil)
		must(t, err)
		got, err := s.CaseByTicket(ctx, c.Ticket)
		must(t, err)
		if got.Description != f.Description {
			t.Fatalf("description %q", got.Description)
		}
	})
}
