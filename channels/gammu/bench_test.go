package gammu_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/gammu"
	"github.com/dinsospmd-bateng/silakso/channels/gammu/gammutest"
)

// timedReplier sends a reply into Gammu's outbox and notes when its row was written.
type timedReplier struct {
	s    channels.Sender
	mu   sync.Mutex
	done map[string]time.Time
}

func (r *timedReplier) Enqueue(ctx context.Context, out channels.Outbound) error {
	_, err := r.s.Send(ctx, out)
	r.mu.Lock()
	r.done[out.To] = time.Now()
	r.mu.Unlock()
	return err
}

func (r *timedReplier) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.done)
}

// BenchmarkInboxRowToOutboxRow measures what SILAKSO adds to an SMS: from a row
// appearing in Gammu's inbox (inserted here as gammu-smsd inserts it) to the reply's row
// in Gammu's outbox, with the default poll of the inbox (250 ms), a turn that answers
// at once, and b.N residents each writing once: one at a time, at moments that have
// nothing to do with the polls, for the latency; all at once for the rows per second.
func BenchmarkInboxRowToOutboxRow(b *testing.B) {
	url := gammutest.NewDatabase(b)
	ctx := context.Background()
	db, err := gammu.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	insert := func(from string) {
		_, err := conn.Exec(ctx, `INSERT INTO inbox ("Text", "SenderNumber", "UDH", "TextDecoded", "RecipientID", "Coding")
VALUES ('00680061006C006F', $1, '', 'halo', 'bench', 'Default_No_Compression')`, from)
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, mode := range []string{"one-at-a-time", "burst"} {
		b.Run(mode, func(b *testing.B) {
			r := &timedReplier{s: gammu.NewSender(db, gammu.Config{}, nil), done: map[string]time.Time{}}
			a := gammu.NewAdapter(db, gammu.Config{}, newEcho(), r, nil, nil, quiet)
			run, stop := context.WithCancel(ctx)
			go a.Run(run)
			defer func() { stop(); a.Close(ctx) }()
			sent := make(map[string]time.Time, b.N)
			var lat []time.Duration
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				from := fmt.Sprintf("+628120%d%06d", len(mode), i)
				if mode == "one-at-a-time" {
					time.Sleep(rand.N(250 * time.Millisecond))
				}
				sent[from] = time.Now()
				insert(from)
				if mode == "one-at-a-time" {
					for r.count() < i+1 {
						time.Sleep(time.Millisecond)
					}
				}
			}
			for r.count() < b.N {
				time.Sleep(time.Millisecond)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			r.mu.Lock()
			for from, at := range sent {
				lat = append(lat, r.done[from].Sub(at))
			}
			r.mu.Unlock()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "rows/s")
		})
	}
}

// BenchmarkThroughGammu measures SMS through the real gammu-smsd and its dummy phone,
// both ways: b.N residents' SMS received at once, each answered; from the first SMS
// handed to the phone to the last reply in sentitems. gammu-smsd works in rounds of
// whole seconds (its smallest receive and send intervals), which sets the pace.
func BenchmarkThroughGammu(b *testing.B) {
	g := gammutest.Start(b)
	ctx := context.Background()
	db, err := gammu.Open(ctx, g.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := gammu.NewSender(db, gammu.Config{}, nil)
	a := gammu.NewAdapter(db, gammu.Config{}, newEcho(), direct{s}, nil, nil, quiet)
	run, stop := context.WithCancel(ctx)
	go a.Run(run)
	defer func() { stop(); a.Close(ctx) }()
	msgs := make([]gammutest.SMS, b.N)
	for i := range msgs {
		msgs[i] = gammutest.SMS{From: fmt.Sprintf("+6281300%06d", i), Text: "halo"}
	}
	b.ResetTimer()
	start := time.Now()
	g.Receive(msgs...)
	g.WaitSent(b.N, 10*time.Minute)
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "SMS/s")
	b.ReportMetric(elapsed.Seconds()*1000/float64(b.N), "ms/SMS")
}
