package spool_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/redis"
	"github.com/dinsospmd-bateng/silakso/store/spool"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// copies is what serve parks in: the spool first, Redis as well.
func copies(t *testing.T) (store.ParkingCopies, *spool.Spool, *redis.Sessions, *goredis.Client, string) {
	dir := filepath.Join(t.TempDir(), "parked")
	sp, err := spool.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	rdb, prefix := storetest.Redis(t)
	rs := redis.NewSessions(rdb, prefix, store.SessionOptions{})
	return store.ParkingCopies{Copies: []store.Parking{sp, rs}}, sp, rs, rdb, prefix
}

func TestParkingCopies(t *testing.T) {
	storetest.TestParking(t, func(t *testing.T) store.Parking {
		p, _, _, _, _ := copies(t)
		return p
	})
}

// Redis loses everything (a restart without persistence): the filing is still parked.
func TestParkingCopiesSurviveRedis(t *testing.T) {
	ctx := context.Background()
	p, _, _, rdb, prefix := copies(t)
	if err := p.Park(ctx, storetest.Filing("+628111/SM1")); err != nil {
		t.Fatal(err)
	}
	keys, _ := rdb.Keys(ctx, prefix+"*").Result()
	if len(keys) == 0 {
		t.Fatal("nothing in Redis: the copy there was not made")
	}
	rdb.Del(ctx, keys...)
	got, err := p.Parked(ctx, 10)
	if err != nil || len(got) != 1 || got[0].IntakeID != "+628111/SM1" {
		t.Fatalf("after Redis lost everything: %+v %v", got, err)
	}
}

// The resident is told "saved" only when the durable copy holds the filing; a Redis
// that fails is reported but does not undo the parking.
func TestParkingCopiesNeedTheSpool(t *testing.T) {
	ctx := context.Background()
	p, _, _, _, _ := copies(t)
	var reported error
	p.OnError = func(err error) { reported = err }
	dead := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer dead.Close()
	p.Copies[1] = redis.NewSessions(dead, "x:", store.SessionOptions{})
	if err := p.Park(ctx, storetest.Filing("a")); err != nil {
		t.Fatalf("spool works, Redis does not: %v", err)
	}
	if reported == nil {
		t.Fatal("the failed Redis copy was not reported")
	}
	gone, _, _, _, _ := copies(t)
	broken, err := spool.Open(filepath.Join(t.TempDir(), "gone"))
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(broken.Dir())
	gone.Copies[0] = broken
	if err := gone.Park(ctx, storetest.Filing("b")); err == nil {
		t.Fatal("parked although the spool could not hold it")
	}
}
