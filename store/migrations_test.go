package store_test

import (
	"os"
	"slices"
	"testing"
)

// Both engines run the same ordered migrations: the same versions with the same names,
// each written in its engine's SQL.
func TestMigrationsMatchAcrossEngines(t *testing.T) {
	list := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	sqlite, postgres := list("sqlite/migrations"), list("postgres/migrations")
	if len(sqlite) == 0 || !slices.Equal(sqlite, postgres) {
		t.Fatalf("migrations differ:\nsqlite:   %v\npostgres: %v", sqlite, postgres)
	}
}
