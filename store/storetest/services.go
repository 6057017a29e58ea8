package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	goredis "github.com/redis/go-redis/v9"
)

// The servers tests use: the ones on this machine unless the environment names others.
// They are never skipped: a test that cannot reach them fails and says how to start them.
const (
	defaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	defaultRedis    = "redis://127.0.0.1:6379/0"
	startServices   = "start them with: bash .ci/services"
)

func uniqueName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Redis returns a client of the test Redis and a key prefix no other test uses; the
// keys under the prefix are deleted when the test ends.
func Redis(t testing.TB) (*goredis.Client, string) {
	t.Helper()
	opts, err := goredis.ParseURL(RedisURL())
	if err != nil {
		t.Fatalf("SILAKSO_TEST_REDIS_URL: %v", err)
	}
	// As silakso does: a call's deadline is the deadline of its network I/O.
	opts.ContextTimeoutEnabled = true
	rdb := goredis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("Redis at %s is not reachable (%v); %s", opts.Addr, err, startServices)
	}
	prefix := uniqueName("silakso-test-") + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	})
	return rdb, prefix
}

// RedisURL is the test Redis: SILAKSO_TEST_REDIS_URL, or the one on this machine.
func RedisURL() string {
	if u := os.Getenv("SILAKSO_TEST_REDIS_URL"); u != "" {
		return u
	}
	return defaultRedis
}

// sharedDatabase holds the tests' schemas; it is created on first use and kept, while
// every schema in it is dropped by the test that made it.
const sharedDatabase = "silakso_test"

// PostgresServer is the URL of the test PostgreSQL server's administrative database:
// SILAKSO_TEST_POSTGRES_URL, or the local server.
func PostgresServer() string {
	if admin := os.Getenv("SILAKSO_TEST_POSTGRES_URL"); admin != "" {
		return admin
	}
	return defaultPostgres
}

// PostgresDatabase gives the test an empty PostgreSQL schema of its own and returns a
// URL whose connections use it (search_path). The schema is dropped when the test ends,
// so packages can run in parallel and a second run starts clean. A schema is much
// faster to make than a database, which matters for suites that want a fresh store per
// subtest.
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	admin := PostgresServer()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("PostgreSQL is not reachable (%v); %s", err, startServices)
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+sharedDatabase)
	conn.Close(context.Background())
	var pgErr *pgconn.PgError
	// 42P04: created meanwhile by a test package running in parallel. 23505: the same
	// race caught by the catalog's unique index.
	if err != nil && !(errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505")) {
		t.Fatalf("create test database: %v", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + sharedDatabase
	shared := u.String()
	schema := uniqueName("t_")
	conn, err = pgx.Connect(ctx, shared)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, shared)
		if err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
