package controller

import (
	"sync"
	"testing"
	"time"
)

func TestQueueDeduplicates(t *testing.T) {
	q := NewQueue[string](time.Millisecond, time.Second)
	q.Add("a")
	q.Add("b")
	q.Add("a")
	if got := q.Len(); got != 2 {
		t.Fatalf("Len = %d, want 2", got)
	}
	k, _ := q.Get()
	// Added while being processed: not handed out again until Done.
	q.Add(k)
	k2, _ := q.Get()
	if k2 == k {
		t.Fatalf("key %q handed out twice concurrently", k)
	}
	q.Done(k2)
	q.Done(k)
	k3, ok := q.Get()
	if !ok || k3 != k {
		t.Fatalf("after Done, got %q %v, want %q queued again", k3, ok, k)
	}
}

func TestQueueRateLimitedRetry(t *testing.T) {
	q := NewQueue[string](5*time.Millisecond, 20*time.Millisecond)
	q.AddRateLimited("x")
	done := make(chan string)
	go func() {
		k, _ := q.Get()
		done <- k
	}()
	select {
	case k := <-done:
		if k != "x" {
			t.Fatalf("got %q, want x", k)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("rate-limited key never came back")
	}
}

func TestQueueShutDownWakesWorkers(t *testing.T) {
	q := NewQueue[int](time.Millisecond, time.Second)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok := q.Get(); ok {
				t.Error("Get returned a key from an empty, shut down queue")
			}
		}()
	}
	q.ShutDown()
	wg.Wait()
}
