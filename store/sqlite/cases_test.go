package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

func TestCases(t *testing.T) {
	storetest.TestCases(t, func(t *testing.T) store.Cases {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "cases.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
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

func BenchmarkFileCase(b *testing.B) {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "cases.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchmarkFileCase(b, db)
}

func TestMessageLog(t *testing.T) {
	storetest.TestMessageLog(t, func(t *testing.T) store.MessageLog {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "cases.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

func TestCaseWork(t *testing.T) {
	storetest.TestCaseWork(t, func(t *testing.T) storetest.CaseDB {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "cases.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
