package postgres

import (
	"context"
	"io/fs"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// Migration 7 closes the set of roles: an officer registered before it with a role
// outside the set (which covered every kecamatan) is switched off and keeps no scope;
// the others keep theirs, and get no PIN until an operator sets one.
func TestMigrationClosesRoles(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, storetest.PostgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
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
		role   store.Role
		active bool
		kec    int
	}{"+628111": {store.RolePetugas, true, 1}, "+628222": {store.RolePetugas, false, 0}, "+628333": {store.RolePetugas, false, 0}} {
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
