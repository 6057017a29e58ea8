package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dinsospmd-bateng/silakso/bot"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/memory"
	"github.com/dinsospmd-bateng/silakso/store/redis"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// roundTrips counts what go-redis sends: commands (a script run is one) and round trips
// (a pipeline of the auto-pipeliner is one, whatever it carries).
type roundTrips struct{ trips, cmds atomic.Int64 }

func (r *roundTrips) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (r *roundTrips) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		r.trips.Add(1)
		r.cmds.Add(1)
		return next(ctx, cmd)
	}
}
func (r *roundTrips) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		r.trips.Add(1)
		r.cmds.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// benchTurns measures one complete turn: de-duplication, the sender's lock, session
// load and save, keyword check and one intake step. Residents walk the intake up to the
// summary and start again with MENU, so every step of the conversation is in the mix;
// filing is measured on its own (BenchmarkFileCase in the store packages).
func benchTurns(b *testing.B, e *bot.Engine) {
	const residents = 256
	scripts := make([][]string, residents)
	for i := range scripts {
		s := residentScript(i)
		scripts[i] = append(s[:len(s)-1], "MENU")
	}
	ctx := context.Background()
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			// Each resident's messages go in order; different residents interleave.
			i := int(n % residents)
			k := int(n/residents) % len(scripts[i])
			in := channels.Inbound{Channel: "bench", ID: fmt.Sprint(n), From: residentPhone(i), Text: scripts[i][k], Time: time.Now()}
			if _, err := e.Handle(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkTurn(b *testing.B) {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	opts := store.SessionOptions{RateLimit: -1}

	b.Run("memory", func(b *testing.B) {
		benchTurns(b, newEngine(b, memory.NewSessions(opts, time.Now), db))
	})
	// memory-sealed: the same with conversations sealed (bot.Deps.Keys), as serve runs:
	// the difference is what sealing costs a turn.
	b.Run("memory-sealed", func(b *testing.B) {
		d := engineDeps(b, memory.NewSessions(opts, time.Now), db)
		d.Keys = storetest.Keyring(b)
		benchTurns(b, bot.New(d, bot.Config{}))
	})
	// redis: two turns at a time (one per core); redis-64: 64 at a time, as under load,
	// where the auto-pipeliner carries several turns' scripts in one round trip.
	for name, parallelism := range map[string]int{"redis": 1, "redis-64": 32} {
		b.Run(name, func(b *testing.B) {
			rdb, prefix := storetest.Redis(b)
			rt := &roundTrips{}
			rdb.AddHook(rt)
			e := newEngine(b, redis.NewSessions(rdb, prefix, opts), db)
			b.SetParallelism(parallelism)
			benchTurns(b, e)
			b.ReportMetric(float64(rt.cmds.Load())/float64(b.N), "redis-cmds/op")
			b.ReportMetric(float64(rt.trips.Load())/float64(b.N), "redis-rt/op")
		})
	}
}
