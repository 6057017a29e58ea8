package postgres

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// Migration 7 closes the set of roles: an officer registered before it with a role
// outside the set (which covered every kecamatan) is switched off and keeps no scope;
// the others keep theirs, and get no PIN until an operator sets one.
func TestMigrationClosesRoles(t *testing.T) {
	ctx := context.Background()
	pool := migratedTo(t, 6)
	for _, o := range [][]string{{"+628111", "petugas", "Koba"}, {"+628222", "Admin", ""}, {"+628333", "boss", "Koba"}} {
		if _, err := pool.Exec(ctx, `INSERT INTO officers (phone, name, role, kecamatan, channel, active, created_at)
			VALUES ($1, 'X', $2, $3, 'console', true, now())`, o[0], o[1], o[2]); err != nil {
			t.Fatal(err)
		}
	}
	if err := migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	d := &DB{pool: pool}
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
	if _, err := pool.Exec(ctx, `UPDATE officers SET role = 'boss' WHERE phone = '+628111'`); err == nil {
		t.Error("a role outside the set was stored")
	}
}

// Migration 11 gives cases filed before it their service times from the audit trail:
// the first officer action (not a look), the first response (a status or a reply),
// the closing.
func TestMigrationBackfillsServiceTimes(t *testing.T) {
	ctx := context.Background()
	pool := migratedTo(t, 10)
	filed := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	if _, err := pool.Exec(ctx, `INSERT INTO cases (id, ticket, intake_id, status, channel, filer, lang, relation, name,
		desa_code, desa, kecamatan, address, need, description, contact, filed_at, updated_at)
		VALUES (1, '2600017', 'i1', 'selesai', 'sms', '+628111', 'id', 'self', 'N', 'c', 'd', 'Koba', 'a', 'food', 'x', '+628111', $1, $1),
		       (2, '2600025', 'i2', 'baru', 'sms', '+628222', 'id', 'self', 'N', 'c', 'd', 'Koba', 'a', 'food', 'x', '+628222', $1, $1)`,
		filed); err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct {
		after    time.Duration
		kind, to string
	}{{10 * time.Minute, "view", ""}, {20 * time.Minute, "note", ""}, {30 * time.Minute, "assign", ""}, {40 * time.Minute, "reply", ""},
		{50 * time.Minute, "status", "diproses"}, {60 * time.Minute, "status", "selesai"}} {
		if _, err := pool.Exec(ctx, `INSERT INTO case_events (case_id, at, actor, kind, to_status) VALUES (1, $1, '+628999', $2, $3)`,
			filed.Add(e.after), e.kind, e.to); err != nil {
			t.Fatal(err)
		}
	}
	if err := migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	d := &DB{pool: pool}
	c, err := d.CaseByTicket(ctx, "2600017")
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Service{ActedAt: filed.Add(20 * time.Minute), RespondedAt: filed.Add(40 * time.Minute), ClosedAt: filed.Add(time.Hour)}
	if c.Service != want {
		t.Errorf("service times %+v, want %+v", c.Service, want)
	}
	untouched, err := d.CaseByTicket(ctx, "2600025")
	if err != nil {
		t.Fatal(err)
	}
	if untouched.Service != (domain.Service{}) {
		t.Errorf("an untouched case got %+v", untouched.Service)
	}
}

// migratedTo is a new database migrated up to version v, for a test of what a later
// migration does to the rows before it.
func migratedTo(t *testing.T, v int64) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), storetest.PostgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	db := stdlib.OpenDBFromPool(pool)
	t.Cleanup(func() { db.Close() })
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	return pool
}
