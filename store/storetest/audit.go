package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/store"
)

// AuditStore is an audit trail whose raw rows a test can try to change: rawExec runs a
// statement on the same database as the application would (the tests' role).
type AuditStore interface {
	store.Auditor
	store.Cases
}

// TestAudit runs the audit trail's suite; rawExec runs SQL on the store's database.
func TestAudit(t *testing.T, open func(t *testing.T) (AuditStore, func(sql string) error)) {
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

	t.Run("entries are kept and filtered", func(t *testing.T) {
		s, _ := open(t)
		for i, e := range []store.AuditEntry{
			{At: at, Actor: "+628111", Kind: store.AuditLogin},
			{At: at.Add(time.Hour), Actor: "+628111", Kind: store.AuditList, Detail: "Koba"},
			{At: at.Add(2 * time.Hour), Actor: "operator", Kind: store.AuditOfficerPIN, Subject: "+628222"},
			{At: at.Add(3 * time.Hour), Actor: "+628222", Kind: store.AuditLoginFailed, Detail: "bad\x00byte"},
		} {
			if err := s.Audit(ctx, e); err != nil {
				t.Fatalf("entry %d: %v", i, err)
			}
		}
		all, err := s.AuditTrail(ctx, store.AuditFilter{})
		must(t, err)
		if len(all) != 4 || all[0].Kind != store.AuditLogin || !all[0].At.Equal(at) || all[2].Subject != "+628222" || all[1].Detail != "Koba" {
			t.Fatalf("trail %+v", all)
		}
		for _, tc := range []struct {
			f    store.AuditFilter
			want int
		}{
			{store.AuditFilter{Actor: "+628111"}, 2},
			{store.AuditFilter{Kind: store.AuditLoginFailed}, 1},
			{store.AuditFilter{From: at.Add(time.Hour), To: at.Add(3 * time.Hour)}, 2},
			{store.AuditFilter{Limit: 3}, 3},
			{store.AuditFilter{Actor: "nobody"}, 0},
		} {
			got, err := s.AuditTrail(ctx, tc.f)
			must(t, err)
			if len(got) != tc.want {
				t.Errorf("filter %+v: %d entries, want %d", tc.f, len(got), tc.want)
			}
		}
	})

	t.Run("the trails cannot be changed or removed", func(t *testing.T) {
		s, raw := open(t)
		must(t, s.Audit(ctx, store.AuditEntry{At: at, Actor: "+628111", Kind: store.AuditLogin}))
		if _, _, err := store.File(ctx, s, Filing("a1"), nil); err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{
			`UPDATE audit SET actor = 'someone else'`,
			`DELETE FROM audit`,
			`UPDATE case_events SET actor = 'someone else'`,
			`DELETE FROM case_events`,
		} {
			if err := raw(stmt); err == nil {
				t.Errorf("%s was allowed", stmt)
			}
		}
		all, err := s.AuditTrail(ctx, store.AuditFilter{})
		must(t, err)
		if len(all) != 1 || all[0].Actor != "+628111" {
			t.Fatalf("trail after the attempts: %+v", all)
		}
	})
}
