package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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

// PostgresDatabase creates an empty database for the test and returns its URL; the
// database is dropped when the test ends, so packages can run in parallel and a second
// run starts clean.
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("SILAKSO_TEST_POSTGRES_URL")
	if admin == "" {
		admin = defaultPostgres
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("PostgreSQL is not reachable (%v); %s", err, startServices)
	}
	defer conn.Close(context.Background())
	name := uniqueName("silakso_test_")
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
