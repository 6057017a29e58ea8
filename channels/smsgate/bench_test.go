package smsgate_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/delivery"
	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
	"github.com/dinsospmd-bateng/silakso/channels/smsgate/smsgatetest"
)

// echo answers every message with one reply, as fast as a bot can: the benchmark
// measures the channel (signature, parsing, the send API), not the conversation
// (BenchmarkTurn in bot does).
type echo struct{}

func (echo) Handle(_ context.Context, in channels.Inbound) ([]channels.Outbound, error) {
	return []channels.Outbound{{Channel: in.Channel, To: in.From, Text: "Tiket 2600025 diterima. Balas CEK 2600025 untuk status."}}, nil
}

// chain is webhook -> bot -> courier -> sender -> fake gateway, with a way to wait for
// the reply to a number to be accepted by the gateway.
type chain struct {
	phone   *smsgatetest.Phone
	mu      sync.Mutex
	waiting map[string]chan struct{}
}

func newChain(b *testing.B, gatewayDelay time.Duration) *chain {
	g := smsgatetest.Start(b)
	g.Delay(gatewayDelay)
	sender, err := smsgate.NewSender(smsgate.Config{URL: g.URL, User: smsgatetest.User, Password: smsgatetest.Password}, nil, nil, quiet)
	if err != nil {
		b.Fatal(err)
	}
	c := &chain{waiting: map[string]chan struct{}{}}
	courier := delivery.New(delivery.Config{}, delivery.Deps{
		Senders: map[string]channels.Sender{smsgate.Channel: sender}, Owner: "bench", Log: quiet,
		OnResult: func(out channels.Outbound, _ channels.Receipt, err error) {
			if err != nil {
				b.Errorf("send: %v", err)
			}
			c.mu.Lock()
			ch := c.waiting[out.To]
			delete(c.waiting, out.To)
			c.mu.Unlock()
			if ch != nil {
				close(ch)
			}
		},
	})
	b.Cleanup(func() { courier.Close(context.Background()) })
	hook := smsgate.NewWebhook(smsgate.Config{SigningKey: key}, echo{}, courier, nil, smsgate.NewMemoryState(), nil, quiet)
	mux := http.NewServeMux()
	hook.Register(mux)
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	c.phone = smsgatetest.NewPhone(srv.URL+smsgate.EventsPath, key)
	return c
}

// roundTrip posts one signed SMS from from and waits until its reply is accepted by the
// gateway.
func (c *chain) roundTrip(b *testing.B, from string, n int) time.Duration {
	done := make(chan struct{})
	c.mu.Lock()
	c.waiting[from] = done
	c.mu.Unlock()
	start := time.Now()
	body := c.phone.Envelope(smsgate.EventReceived, c.phone.Received(from, "halo", time.Unix(int64(n), 0)))
	if code, err := c.phone.Post(context.Background(), body); err != nil || code != http.StatusNoContent {
		b.Fatalf("post: %d %v", code, err)
	}
	<-done
	return time.Since(start)
}

// BenchmarkEventToReply: signed sms:received events through the webhook, each to its
// reply accepted by the fake gateway; one at a time (as one phone posts them) and 16 at
// once (several phones, or a phone catching up), with the gateway on loopback and
// answering after 250 ms (a phone on the office Wi-Fi, the cloud).
func BenchmarkEventToReply(b *testing.B) {
	for _, delay := range []time.Duration{0, 250 * time.Millisecond} {
		for _, parallel := range []int{1, 16} {
			b.Run(fmt.Sprintf("gateway=%v/at_once=%d", delay, parallel), func(b *testing.B) {
				c := newChain(b, delay)
				var n atomic.Int64
				var mu sync.Mutex
				var lat []time.Duration
				b.ResetTimer()
				start := time.Now()
				var wg sync.WaitGroup
				for w := range parallel {
					wg.Add(1)
					go func() {
						defer wg.Done()
						from := fmt.Sprintf("+62812%07d", w)
						for {
							i := n.Add(1)
							if i > int64(b.N) {
								return
							}
							d := c.roundTrip(b, from, int(i))
							mu.Lock()
							lat = append(lat, d)
							mu.Unlock()
						}
					}()
				}
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
			})
		}
	}
}
