// Package sqlite stores cases in a SQLite file through modernc.org/sqlite (pure Go, no
// cgo): the zero-set-up default for a single instance. Production with several
// instances uses store/postgres.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/dinsospmd-bateng/silakso/store/seal"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a SQLite case store.
type DB struct {
	db *sql.DB
	// keys seal the personal fields (store/seal); nil stores them as given.
	keys *seal.Keyring
}

// SetKeyring makes the store seal personal fields with k from now on (and open them
// with it). Values stored without a key stay readable.
func (d *DB) SetKeyring(k *seal.Keyring) { d.keys = k }

// Open opens (creating if needed) the database file at path and applies pending
// migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	// WAL lets readers work while a case is filed; busy_timeout makes a writer wait for
	// another instead of failing; foreign keys are off by default in SQLite.
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// What a purge or an erasure removes is overwritten on disk, not left in free pages
	// for anyone who copies the file.
	q.Add("_pragma", "secure_delete(ON)")
	q.Add("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// One writer at a time is what SQLite allows anyway; a single connection turns
	// "database is locked" errors into an orderly queue.
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if _, err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return &DB{db: db}, nil
}

// Migrate applies pending migrations and returns the versions it applied.
func Migrate(ctx context.Context, db *sql.DB) ([]int64, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrate: %w", err)
	}
	applied := make([]int64, len(results))
	for i, r := range results {
		applied[i] = r.Source.Version
	}
	return applied, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Ping checks the database answers (readiness).
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }
