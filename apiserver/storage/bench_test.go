package storage

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkEtcdPut measures raw puts of 1 KiB values through the embedded
// etcd's in-process client: the ceiling for every write the API server
// makes.
func BenchmarkEtcdPut(b *testing.B) {
	for _, clients := range []int{1, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			c := startEtcd(b).Client()
			value := strings.Repeat("x", 1024)
			ctx := context.Background()
			var next atomic.Int64
			var failed atomic.Pointer[error]
			b.SetBytes(int64(len(value)))
			b.ResetTimer()
			var wg sync.WaitGroup
			for g := range clients {
				wg.Go(func() {
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						if _, err := c.Put(ctx, fmt.Sprintf("/bench/%d/%d", g, i), value); err != nil {
							failed.Store(&err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			if err := failed.Load(); err != nil {
				b.Fatalf("Put: %v", *err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
		})
	}
}
