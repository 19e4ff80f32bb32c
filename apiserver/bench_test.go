package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkCreate measures object creates per second through the API
// server (HTTPS, auth, decode, default, validate, etcd transaction, watch
// cache) beside raw etcd puts of the same bytes on the same etcd, with 1
// and 32 concurrent clients, so that the ratio between them is visible:
//
//	go test -run '^$' -bench BenchmarkCreate -benchtime 2000x -count 5 ./apiserver
func BenchmarkCreate(b *testing.B) {
	for _, clients := range []int{1, 32} {
		b.Run(fmt.Sprintf("etcd-put/clients=%d", clients), func(b *testing.B) {
			ts := startBenchServer(b)
			value, _ := json.Marshal(benchConfigMap("x"))
			kv := ts.srv.store
			runClients(b, clients, func(i int64) error {
				_, err := kv.Create(context.Background(), fmt.Sprintf("/bench/raw/%d", i), value)
				return err
			})
		})
		b.Run(fmt.Sprintf("apiserver-create/clients=%d", clients), func(b *testing.B) {
			ts := startBenchServer(b)
			runClients(b, clients, func(i int64) error {
				body, _ := json.Marshal(benchConfigMap(fmt.Sprintf("cm-%d", i)))
				r := ts.do("POST", cms, body)
				if r.code != http.StatusCreated {
					return fmt.Errorf("create: %d %s", r.code, r.body)
				}
				return nil
			})
		})
	}
}

// benchConfigMap is an object of about 1 KiB, a typical small manifest.
func benchConfigMap(name string) map[string]any {
	return configMap(name, map[string]string{"config.yaml": strings.Repeat("key: value\n", 80)})
}

// runClients runs b.N operations over n concurrent clients and reports
// operations per second.
func runClients(b *testing.B, n int, op func(i int64) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	for c := 0; c < n; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				if err := op(i); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
}

func startBenchServer(b *testing.B) *testServer {
	b.Helper()
	return startServer(b)
}
