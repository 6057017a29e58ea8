package whatsapp_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/dinsospmd-bateng/silakso/channels/whatsapp"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// The device tables are whatsmeow's, on our two engines: they must come up on both, and
// a second start must find them as they were left.
func TestDeviceTables(t *testing.T) {
	for name, url := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "whatsapp.db") },
		"postgres": func(t *testing.T) string { return storetest.PostgresDatabase(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			u := url(t)
			for run := range 2 {
				devices, err := whatsapp.OpenDevices(ctx, u, nil)
				if err != nil {
					t.Fatalf("run %d: %v", run, err)
				}
				d, err := devices.GetFirstDevice(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if d.ID != nil {
					t.Fatalf("run %d: a fresh store has a linked device %v", run, d.ID)
				}
				all, err := devices.GetAllDevices(ctx)
				if err != nil || len(all) != 0 {
					t.Fatalf("run %d: devices %v, %v; want none", run, all, err)
				}
				devices.Close()
			}
		})
	}
}

func TestDeviceTablesUnreachable(t *testing.T) {
	_, err := whatsapp.OpenDevices(context.Background(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=2", nil)
	if err == nil {
		t.Fatal("opened a database on a closed port")
	}
}
