package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/postgres"
	"github.com/dinsospmd-bateng/silakso/store/seal"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

func open(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), storetest.PostgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// Every suite runs with personal fields sealed, as the service runs.
	db.SetKeyring(storetest.Keyring(t))
	return db
}

func TestCases(t *testing.T) {
	storetest.TestCases(t, func(t *testing.T) store.Cases { return open(t) })
}

// Instances starting together migrate under a lock: all succeed, once.
func TestConcurrentStartups(t *testing.T) {
	url := storetest.PostgresDatabase(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Error(err)
				return
			}
			db.Close()
		}()
	}
	wg.Wait()
}

// BenchmarkFileCase files cases sealed, as the service does, and in clear: the
// difference is what sealing costs a filing.
func BenchmarkFileCase(b *testing.B) {
	for name, keys := range map[string]*seal.Keyring{"sealed": storetest.Keyring(b), "clear": nil} {
		b.Run(name, func(b *testing.B) {
			db, err := postgres.Open(context.Background(), storetest.PostgresDatabase(b))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetKeyring(keys)
			storetest.BenchmarkFileCase(b, db)
		})
	}
}

// BenchmarkChangeCase changes cases as officers do (sealed).
func BenchmarkChangeCase(b *testing.B) {
	db, err := postgres.Open(context.Background(), storetest.PostgresDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetKeyring(storetest.Keyring(b))
	storetest.BenchmarkChangeCase(b, db)
}

func TestMessageLog(t *testing.T) {
	storetest.TestMessageLog(t, func(t *testing.T) store.MessageLog { return open(t) })
}

func TestCaseWork(t *testing.T) {
	storetest.TestCaseWork(t, func(t *testing.T) storetest.CaseDB { return open(t) })
}

// A queued push wakes the listening workers at once (LISTEN/NOTIFY), including a push
// queued inside a case change.
func TestListenOutbox(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := open(t)
	woke := make(chan struct{}, 10)
	go db.ListenOutbox(ctx, func() { woke <- struct{}{} })
	select { // the listener wakes once when it starts, for anything queued before
	case <-woke:
	case <-time.After(10 * time.Second):
		t.Fatal("listener did not start")
	}
	if err := db.Enqueue(ctx, []domain.OutboxMessage{{Channel: "sms", To: "+628111", Text: "x"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-woke:
	case <-time.After(10 * time.Second):
		t.Fatal("no notification for a queued push")
	}
}

func TestAudit(t *testing.T) {
	storetest.TestAudit(t, func(t *testing.T) (storetest.AuditStore, func(string) error) {
		db := open(t)
		return db, func(stmt string) error { return db.Exec(context.Background(), stmt) }
	})
}

func TestSealed(t *testing.T) {
	storetest.TestSealed(t, func(t *testing.T) storetest.SealedStore { return open(t) })
}

func TestReseal(t *testing.T) {
	storetest.TestReseal(t, func(t *testing.T) storetest.ResealStore { return open(t) })
}

func TestPurge(t *testing.T) {
	storetest.TestPurge(t, func(t *testing.T) storetest.PurgeStore { return open(t) })
}

func TestSubjects(t *testing.T) {
	storetest.TestSubjects(t, func(t *testing.T) storetest.SubjectStore { return open(t) })
}

func TestReports(t *testing.T) {
	storetest.TestReports(t, func(t *testing.T) storetest.ReportDB { return open(t) })
}
