package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// officerRegistry: officers, roles, PIN tries and lockouts.
func officerRegistry(t *testing.T, open func(t *testing.T) CaseDB) {
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
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

}
