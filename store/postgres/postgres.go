// Package postgres stores cases in PostgreSQL through a pgx v5 pool: the production
// backend shared by several instances. Migrations run at start-up under an advisory
// lock, so instances starting together do not race.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/seal"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a PostgreSQL case store.
type DB struct {
	pool *pgxpool.Pool
	// keys seal the personal fields (store/seal); nil stores them as given.
	keys *seal.Keyring
}

// SetKeyring makes the store seal personal fields with k from now on (and open them
// with it). Values stored without a key stay readable.
func (d *DB) SetKeyring(k *seal.Keyring) { d.keys = k }

// Open connects with the pool settings of the URL (pool_max_conns, connect_timeout and
// the other pgx/libpq parameters), checks the server answers, and applies migrations.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// pgx's default (4 connections, or one per CPU) queues turns behind each other on a
	// small machine; 16 keeps filing, records and pushes flowing. pool_max_conns in the
	// URL overrides it.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot reach %s:%d as %s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.User, shortError(err))
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &DB{pool: pool}, nil
}

// shortError keeps the server's own words (wrong password, unknown database) and drops
// pgx's connection preamble, so start-up failures fit on one line.
func shortError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return errors.New(pgErr.Message)
	}
	var netErr *net.OpError
	if errors.As(err, &netErr) {
		return netErr
	}
	return err
}

func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	// Instances migrating the same schema take turns; those of other schemas (other
	// deployments, or tests, sharing one database) need not wait for each other: the
	// lock is named after the schema. A busy lock is tried again every second (goose's
	// shortest), not every 5 s, so that a start-up waits as long as the migration ahead
	// of it and not a whole probe more.
	var schema string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("silakso migrations " + schema))
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64())), lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// refused marks errors where PostgreSQL refused the data itself (class 22, data
// exception, such as a NUL byte in text; class 23, integrity violation; 54000, a value
// too large for an index) as store.ErrInvalid: the same write would fail again, unlike
// a database that is down.
func refused(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23") || pgErr.Code == "54000") {
		return fmt.Errorf("%w: %w", store.ErrInvalid, err)
	}
	return err
}

// Ping checks the database answers (readiness).
func (d *DB) Ping(ctx context.Context) error { return d.pool.Ping(ctx) }

// Close closes the pool.
func (d *DB) Close() error {
	d.pool.Close()
	return nil
}
