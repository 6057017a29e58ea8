package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// open makes a fresh database file for one test.
func open(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "cases.db"))
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

func TestMessageLog(t *testing.T) {
	storetest.TestMessageLog(t, func(t *testing.T) store.MessageLog { return open(t) })
}

func TestCaseWork(t *testing.T) {
	storetest.TestCaseWork(t, func(t *testing.T) storetest.CaseDB { return open(t) })
}

func TestMigrateIsRepeatable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cases.db")
	for range 2 {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
}

// BenchmarkFileCase files cases sealed, as the service does, and in clear: the
// difference is what sealing costs a filing.
func BenchmarkFileCase(b *testing.B) {
	b.Run("sealed", func(b *testing.B) { storetest.BenchmarkFileCase(b, open(b)) })
	b.Run("clear", func(b *testing.B) {
		db := open(b)
		db.SetKeyring(nil)
		storetest.BenchmarkFileCase(b, db)
	})
}

// BenchmarkChangeCase changes cases as officers do (sealed).
func BenchmarkChangeCase(b *testing.B) { storetest.BenchmarkChangeCase(b, open(b)) }

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
