package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// BenchmarkFileCase measures filing new cases (one transaction each: the case, its
// ticket and its audit event), from parallel goroutines as a busy office would.
func BenchmarkFileCase(b *testing.B, s store.Cases) {
	ctx := context.Background()
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			f := Filing(fmt.Sprint("bench-", seq.Add(1)))
			if _, _, err := store.File(ctx, s, f, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkChangeCase measures an officer's change as the desk makes it (store.Change:
// the read, then the write at its version with an audit event and a push), from
// parallel goroutines, each on cases of its own, and spread over 1,000 cases, so
// that the figure is the change's cost, not the cost of waiting for one another. The
// conformance suite covers changes of one case at once.
func BenchmarkChangeCase(b *testing.B, s store.Cases) {
	ctx := context.Background()
	tickets := make([]string, 1000)
	for i := range tickets {
		c, _, err := store.File(ctx, s, Filing(fmt.Sprint("change-", i)), nil)
		if err != nil {
			b.Fatal(err)
		}
		tickets[i] = c.Ticket
	}
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			_, err := store.Change(ctx, s, tickets[n%int64(len(tickets))], time.Now(), func(c domain.Case) (domain.CaseUpdate, error) {
				return domain.CaseUpdate{Reply: fmt.Sprint("reply ", n),
					Events:   []domain.Event{{Actor: "+628999", Kind: "reply", Note: "reply"}},
					Messages: []domain.OutboxMessage{{Channel: "console", To: c.Filer, Text: "reply", CaseID: c.ID}}}, nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
