package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

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
