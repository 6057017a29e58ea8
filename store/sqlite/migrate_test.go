package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/pressly/goose/v3"
)

// Migration 7 closes the set of roles: an officer registered before it with a role
// outside the set (which covered every kecamatan) is switched off and keeps no scope;
// the others keep theirs, and get no PIN until an operator sets one.
func TestMigrationClosesRoles(t *testing.T) {
	ctx := context.Background()
	db := migratedTo(t, 6)
	for _, o := range [][]string{{"+628111", "petugas", "Koba"}, {"+628222", "Admin", ""}, {"+628333", "boss", "Koba"}} {
		if _, err := db.ExecContext(ctx, `INSERT INTO officers (phone, name, role, kecamatan, channel, active, created_at)
			VALUES (?, 'X', ?, ?, 'console', 1, 0)`, o[0], o[1], o[2]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	d := &DB{db: db}
	for phone, want := range map[string]struct {
		role   domain.Role
		active bool
		kec    int
	}{"+628111": {domain.RolePetugas, true, 1}, "+628222": {domain.RolePetugas, false, 0}, "+628333": {domain.RolePetugas, false, 0}} {
		o, err := d.Officer(ctx, phone)
		if err != nil {
			t.Fatal(err)
		}
		if o.Role != want.role || o.Active != want.active || len(o.Kecamatan) != want.kec || o.PINHash != "" {
			t.Errorf("%s after migration: %+v, want role %s active %v and %d kecamatan", phone, o, want.role, want.active, want.kec)
		}
	}
	if _, err := db.ExecContext(ctx, `UPDATE officers SET role = 'boss' WHERE phone = '+628111'`); err == nil {
		t.Error("a role outside the set was stored")
	}
}

// Migration 11 gives cases filed before it their service times from the audit trail:
// the first officer action (not a look), the first response (a status or a reply),
// the closing.
func TestMigrationBackfillsServiceTimes(t *testing.T) {
	ctx := context.Background()
	db := migratedTo(t, 10)
	const filed = 1_000_000
	if _, err := db.ExecContext(ctx, `INSERT INTO cases (id, ticket, intake_id, status, channel, filer, lang, relation, name,
		desa_code, desa, kecamatan, address, need, description, contact, filed_at, updated_at)
		VALUES (1, '2600017', 'i1', 'selesai', 'sms', '+628111', 'id', 'self', 'N', 'c', 'd', 'Koba', 'a', 'food', 'x', '+628111', ?, ?),
		       (2, '2600025', 'i2', 'baru', 'sms', '+628222', 'id', 'self', 'N', 'c', 'd', 'Koba', 'a', 'food', 'x', '+628222', ?, ?)`,
		filed, filed, filed, filed); err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct {
		at       int64
		kind, to string
	}{{filed + 10, "view", ""}, {filed + 20, "note", ""}, {filed + 30, "assign", ""}, {filed + 40, "reply", ""},
		{filed + 50, "status", "diproses"}, {filed + 60, "status", "selesai"}} {
		if _, err := db.ExecContext(ctx, `INSERT INTO case_events (case_id, at, actor, kind, to_status) VALUES (1, ?, '+628999', ?, ?)`,
			e.at, e.kind, e.to); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	d := &DB{db: db}
	c, err := d.CaseByTicket(ctx, "2600017")
	if err != nil {
		t.Fatal(err)
	}
	if got := []int64{c.Service.ActedAt.UnixMilli(), c.Service.RespondedAt.UnixMilli(), c.Service.ClosedAt.UnixMilli()}; got[0] != filed+20 || got[1] != filed+40 || got[2] != filed+60 {
		t.Errorf("service times %v, want acted +20, responded +40, closed +60", got)
	}
	untouched, err := d.CaseByTicket(ctx, "2600025")
	if err != nil {
		t.Fatal(err)
	}
	if untouched.Service != (domain.Service{}) {
		t.Errorf("an untouched case got %+v", untouched.Service)
	}
}

// migratedTo is a new database file migrated up to version v, for a test of what a
// later migration does to the rows before it.
func migratedTo(t *testing.T, v int64) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "cases.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	return db
}

// Migration 13 starts the case numbers drawn before filing (case_seq) above every
// number ever used: a case removed by hand leaves AUTOINCREMENT's mark, and its number,
// and so its ticket, never comes back. Cases written with numbers of their own (an
// import) are stepped over too.
func TestMigrationCaseNumbersNeverRepeat(t *testing.T) {
	ctx := context.Background()
	db := migratedTo(t, 12)
	for id := 1; id <= 5; id++ {
		if _, err := db.ExecContext(ctx, `INSERT INTO cases (id, ticket, intake_id, status, channel, filer, lang, relation, name,
			desa_code, desa, kecamatan, address, need, description, contact, filed_at, updated_at)
			VALUES (?, ?, ?, 'baru', 'sms', '+628111', 'id', 'self', 'N', 'c', 'd', 'Koba', 'a', 'food', 'x', '+628111', 1, 1)`,
			id, fmt.Sprint("t", id), fmt.Sprint("i", id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM cases WHERE id >= 4`); err != nil {
		t.Fatal(err)
	}
	if _, err := Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	d := &DB{db: db}
	if id, err := d.NextCaseID(ctx); err != nil || id != 6 {
		t.Fatalf("first number after the migration: %d, %v; want 6 (4 and 5 were used)", id, err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO cases (id, ticket, intake_id, status, channel, filer, lang, relation, name,
		desa_code, desa, kecamatan, address, need, description, contact, filed_at, updated_at)
		VALUES (40, 't40', 'i40', 'baru', 'sms', '+628111', 'id', 'self', 'N', 'c', 'd', 'Koba', 'a', 'food', 'x', '+628111', 1, 1)`); err != nil {
		t.Fatal(err)
	}
	if id, err := d.NextCaseID(ctx); err != nil || id != 41 {
		t.Fatalf("number after an imported case 40: %d, %v; want 41", id, err)
	}
}
