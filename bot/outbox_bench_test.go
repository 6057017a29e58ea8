package bot_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/postgres"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// slowSender answers after a fixed delay, like a provider's API over the network.
type slowSender struct {
	delay time.Duration
	sent  atomic.Int64
}

func (s *slowSender) Send(context.Context, channels.Outbound) (channels.Receipt, error) {
	time.Sleep(s.delay)
	n := s.sent.Add(1)
	return channels.Receipt{ProviderID: fmt.Sprint("SM", n)}, nil
}

// BenchmarkOutbox delivers b.N queued messages from PostgreSQL to a fake sender with 1
// and 4 workers, with an instant sender (the database's share) and one that takes 5 ms
// per message (a provider's usual answer time).
func BenchmarkOutbox(b *testing.B) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, storetest.PostgresDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, delay := range []time.Duration{0, 5 * time.Millisecond} {
		for _, workers := range []int{1, 4} {
			b.Run(fmt.Sprintf("sender=%v/workers=%d", delay, workers), func(b *testing.B) {
				b.StopTimer()
				msgs := make([]store.OutboxMessage, b.N)
				for i := range msgs {
					msgs[i] = store.OutboxMessage{Channel: "sms", To: "+628111", Text: fmt.Sprint("m", i)}
				}
				if err := db.Enqueue(ctx, msgs, time.Now()); err != nil {
					b.Fatal(err)
				}
				s := &slowSender{delay: delay}
				b.StartTimer()
				start := time.Now()
				var wg sync.WaitGroup
				for w := range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						wk := worker(db, s, fmt.Sprint("bench-", w), time.Now)
						if _, err := wk.RunOnce(ctx); err != nil {
							b.Error(err)
						}
					}()
				}
				wg.Wait()
				elapsed := time.Since(start)
				if got := s.sent.Load(); got != int64(b.N) {
					b.Fatalf("%d of %d sent", got, b.N)
				}
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
			})
		}
	}
}
