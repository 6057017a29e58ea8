package spool_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/spool"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

func TestParking(t *testing.T) {
	storetest.TestParking(t, func(t *testing.T) store.Parking {
		s, err := spool.Open(filepath.Join(t.TempDir(), "parked"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// What one process parked, the next one finds; a damaged file does not hide the others.
func TestSurvivesTheProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "parked")
	ctx := context.Background()
	first, err := spool.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Park(ctx, storetest.Filing("+6281234567890/SM1")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "0000damaged.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	second, err := spool.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := second.Parked(ctx, 10)
	if err != nil || len(got) != 1 || got[0].IntakeID != "+6281234567890/SM1" {
		t.Fatalf("parked %+v, %v", got, err)
	}
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("spool folder mode %v, %v", info.Mode(), err)
	}
}

// A half-written file a crash left behind is removed at start; one another instance
// on the same folder is writing right now (a rolling restart on one machine) is not.
func TestLeftoversOfACrashOnly(t *testing.T) {
	dir := t.TempDir()
	crashed, writing := filepath.Join(dir, ".park-crashed"), filepath.Join(dir, ".park-writing")
	for _, f := range []string{crashed, writing} {
		if err := os.WriteFile(f, []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(crashed, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := spool.Open(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(crashed); !os.IsNotExist(err) {
		t.Errorf("an hour-old leftover is still there: %v", err)
	}
	if _, err := os.Stat(writing); err != nil {
		t.Errorf("a file being written was removed: %v", err)
	}
}
