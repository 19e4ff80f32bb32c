package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func newTestStore(t testing.TB) *Store {
	t.Helper()
	return New(startEtcd(t).Client())
}

func TestStoreCRUD(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t)
	const key = "/registry/pods/default/a"

	rev1, err := s.Create(ctx, key, []byte("v1"))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	got, err := s.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if want := (KV{Key: key, Value: []byte("v1"), ModRevision: rev1, CreateRevision: rev1}); !cmp.Equal(got, want) {
		t.Fatalf("Get after Create: got %+v, want %+v", got, want)
	}
	rev2, err := s.Update(ctx, key, []byte("v2"), rev1)
	if err != nil {
		t.Fatalf("Update at the current revision: %v", err)
	}
	if rev2 <= rev1 {
		t.Fatalf("Update: got revision %d, want more than %d", rev2, rev1)
	}
	rev3, err := s.Update(ctx, key, []byte("v3"), 0)
	if err != nil {
		t.Fatalf("unconditional Update: %v", err)
	}

	failures := []struct {
		name string
		op   func() error
		want error
	}{
		{"create existing", func() error { _, err := s.Create(ctx, key, []byte("x")); return err }, ErrKeyExists},
		{"update stale", func() error { _, err := s.Update(ctx, key, []byte("x"), rev1); return err }, ErrConflict},
		{"update missing", func() error { _, err := s.Update(ctx, key+"-missing", []byte("x"), rev1); return err }, ErrNotFound},
		{"unconditional update missing", func() error { _, err := s.Update(ctx, key+"-missing", []byte("x"), 0); return err }, ErrNotFound},
		{"delete stale", func() error { _, err := s.Delete(ctx, key, rev2); return err }, ErrConflict},
		{"delete missing", func() error { _, err := s.Delete(ctx, key+"-missing", 0); return err }, ErrNotFound},
		{"conditional delete missing", func() error { _, err := s.Delete(ctx, key+"-missing", rev2); return err }, ErrNotFound},
		{"get missing", func() error { _, err := s.Get(ctx, key+"-missing"); return err }, ErrNotFound},
		{"too large", func() error { _, err := s.Create(ctx, key+"-big", make([]byte, 5<<20)); return err }, ErrTooLarge},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.op(); !errors.Is(err, tc.want) {
				t.Errorf("got error %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := s.Get(ctx, key+"-missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a failed Update created the key: got %v, want %v", err, ErrNotFound)
	}

	del, err := s.Delete(ctx, key, rev3)
	if err != nil {
		t.Fatalf("Delete at the current revision: %v", err)
	}
	if del.Key != key || string(del.Value) != "v3" || del.CreateRevision != rev1 || del.ModRevision <= rev3 {
		t.Errorf("Delete: got %+v, want the last value v3, created at %d, deleted after %d", del, rev1, rev3)
	}
	if _, err := s.Get(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: got %v, want %v", err, ErrNotFound)
	}
	if _, err := s.Create(ctx, key, []byte("again")); err != nil {
		t.Fatalf("Create after Delete: %v", err)
	}
	if del, err := s.Delete(ctx, key, 0); err != nil || string(del.Value) != "again" {
		t.Errorf("unconditional Delete: got %+v, %v, want the value again", del, err)
	}
}

func TestStoreTooLargeOverTheNetwork(t *testing.T) {
	ctx := testContext(t)
	e := startEtcd(t)
	c, err := Connect(ctx, []string{e.Endpoint()})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer c.Close()
	s := New(c)
	for _, size := range []int{maxRequestBytes + 100, 5 << 20} {
		if _, err := s.Create(ctx, fmt.Sprintf("/big/%d", size), make([]byte, size)); !errors.Is(err, ErrTooLarge) {
			t.Errorf("Create of %d bytes: got %v, want %v", size, err, ErrTooLarge)
		}
	}
	if _, err := s.Create(ctx, "/big/fits", make([]byte, 3<<20)); err != nil {
		t.Errorf("Create of 3 MiB: got %v, want success", err)
	}
}

func TestStoreConcurrentIncrements(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t)
	const (
		key        = "/counter"
		goroutines = 50
		each       = 10
	)
	if _, err := s.Create(ctx, key, []byte("0")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for range goroutines {
		wg.Go(func() {
			for range each {
				if err := increment(s, t, key); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	kv, err := s.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(kv.Value), strconv.Itoa(goroutines*each); got != want {
		t.Errorf("got counter %s, want %s", got, want)
	}
}

// increment adds one to the counter at key, retrying on conflicts as a
// read-modify-write client must.
func increment(s *Store, t testing.TB, key string) error {
	ctx := testContext(t)
	for {
		kv, err := s.Get(ctx, key)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(string(kv.Value))
		if err != nil {
			return err
		}
		_, err = s.Update(ctx, key, []byte(strconv.Itoa(n+1)), kv.ModRevision)
		if errors.Is(err, ErrConflict) {
			continue
		}
		return err
	}
}

func TestStoreListPaginationAtRevision(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t)
	var want []string
	for i := range 25 {
		key := fmt.Sprintf("/registry/pods/ns/p%02d", i)
		want = append(want, key)
		if _, err := s.Create(ctx, key, []byte(key)); err != nil {
			t.Fatal(err)
		}
	}
	// Outside the prefix: must not appear.
	if _, err := s.Create(ctx, "/registry/podsx/ns/q", nil); err != nil {
		t.Fatal(err)
	}

	// Writes race the pages after the first; the list must still show the
	// first page's revision.
	stop := make(chan struct{})
	writerDone := make(chan error, 1)
	wrote := make(chan struct{})
	writer := func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				writerDone <- nil
				return
			default:
			}
			key := fmt.Sprintf("/registry/pods/ns/p%02d", i%25)
			if _, err := s.Update(ctx, key, []byte("changed"), 0); err != nil {
				writerDone <- err
				return
			}
			if _, err := s.Create(ctx, fmt.Sprintf("/registry/pods/ns/new%03d", i), nil); err != nil {
				writerDone <- err
				return
			}
			if i == 0 {
				close(wrote)
			}
		}
	}

	var got []string
	opts := ListOptions{Limit: 7}
	for page := 0; ; page++ {
		res, err := s.List(ctx, "/registry/pods/", opts)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if opts.Revision != 0 && res.Revision != opts.Revision {
			t.Fatalf("page %d: got revision %d, want %d", page, res.Revision, opts.Revision)
		}
		wantRemaining := int64(25 - len(got) - len(res.Items))
		if res.Remaining != wantRemaining || res.More != (wantRemaining > 0) {
			t.Fatalf("page %d: got More=%v Remaining=%d, want Remaining=%d", page, res.More, res.Remaining, wantRemaining)
		}
		for _, kv := range res.Items {
			got = append(got, kv.Key)
			if !bytes.Equal(kv.Value, []byte(kv.Key)) {
				t.Errorf("page %d: %s has value %q, want its value at revision %d", page, kv.Key, kv.Value, res.Revision)
			}
		}
		if !res.More {
			break
		}
		if page == 0 {
			go writer()
			select {
			case <-wrote:
			case err := <-writerDone:
				t.Fatalf("writer: %v", err)
			}
		}
		opts.Revision = res.Revision
		opts.StartAfter = got[len(got)-1]
	}
	close(stop)
	if err := <-writerDone; err != nil {
		t.Fatalf("writer: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paginated list (-want +got):\n%s", diff)
	}

	if _, err := s.List(ctx, "/registry/pods/", ListOptions{StartAfter: "/elsewhere"}); err == nil {
		t.Errorf("List with a continue key outside the prefix: got no error, want one")
	}
}

func TestStoreListCompactedAndFutureRevision(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t)
	old, err := s.Create(ctx, "/a/1", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	cur, err := s.Create(ctx, "/a/2", []byte("2"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Compact(ctx, cur); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if err := s.Compact(ctx, old); !errors.Is(err, ErrCompacted) {
		t.Errorf("Compact below the compaction: got %v, want %v", err, ErrCompacted)
	}
	tests := []struct {
		name string
		rev  int64
		want error
	}{
		{"compacted", old, ErrCompacted},
		{"future", cur + 100, ErrFutureRevision},
		{"at compaction", cur, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.List(ctx, "/a/", ListOptions{Revision: tc.rev})
			if !errors.Is(err, tc.want) {
				t.Errorf("List at %d: got %v, want %v", tc.rev, err, tc.want)
			}
		})
	}
	got, err := s.CurrentRevision(ctx)
	if err != nil || got != cur {
		t.Errorf("CurrentRevision: got %d, %v, want %d", got, err, cur)
	}
}

func TestStoreWatch(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t)
	from, err := s.Create(ctx, "/w/a", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	ch := s.Watch(ctx, "/w/", from)
	r2, _ := s.Update(ctx, "/w/a", []byte("2"), from)
	if _, err := s.Create(ctx, "/x/outside", nil); err != nil {
		t.Fatal(err)
	}
	del, err := s.Delete(ctx, "/w/a", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []WatchEvent{
		{Type: WatchPut, Revision: from, KV: KV{Key: "/w/a", Value: []byte("1"), ModRevision: from, CreateRevision: from}},
		{Type: WatchPut, Revision: r2, KV: KV{Key: "/w/a", Value: []byte("2"), ModRevision: r2, CreateRevision: from},
			PrevKV: &KV{Key: "/w/a", Value: []byte("1"), ModRevision: from, CreateRevision: from}},
		{Type: WatchDelete, Revision: del.ModRevision, KV: KV{Key: "/w/a", ModRevision: del.ModRevision},
			PrevKV: &KV{Key: "/w/a", Value: []byte("2"), ModRevision: r2, CreateRevision: from}},
	}
	var got []WatchEvent
	for len(got) < len(want) {
		select {
		case ev := <-ch:
			got = append(got, ev)
		case <-time.After(10 * time.Second):
			t.Fatalf("got %d events, want %d", len(got), len(want))
		}
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(bytes.Equal)); diff != "" {
		t.Errorf("watch events (-want +got):\n%s", diff)
	}

	t.Run("compacted", func(t *testing.T) {
		if err := s.Compact(ctx, del.ModRevision); err != nil {
			t.Fatal(err)
		}
		ev, ok := <-s.Watch(ctx, "/w/", from)
		if !ok || !errors.Is(ev.Err, ErrCompacted) {
			t.Fatalf("watch from a compacted revision: got %+v, want an error wrapping %v", ev, ErrCompacted)
		}
	})
}

func TestStoreWatchClosesWithContext(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithCancel(testContext(t))
	ch := s.Watch(ctx, "/w/", 0)
	cancel()
	select {
	case ev, ok := <-ch:
		if ok {
			t.Errorf("got event %+v after cancel, want the channel closed", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("channel still open 10s after cancel")
	}
}

func TestRunCompactor(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t)
	first, err := s.Create(ctx, "/c/a", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	compacted := make(chan int64, 10)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.RunCompactor(runCtx, 20*time.Millisecond, func(rev int64) { compacted <- rev })
	}()
	var rev int64
	select {
	case rev = <-compacted:
	case <-time.After(10 * time.Second):
		t.Fatal("no compaction within 10s")
	}
	cancel()
	<-done
	if rev <= first {
		t.Errorf("compacted at %d, want after the write at %d", rev, first)
	}
	cur, err := s.CurrentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rev >= cur {
		t.Errorf("compacted at %d with the store at %d, want at least one tick of history kept", rev, cur)
	}
	if _, err := s.List(ctx, "/c/", ListOptions{Revision: rev - 1}); !errors.Is(err, ErrCompacted) {
		t.Errorf("List before the compaction: got %v, want %v", err, ErrCompacted)
	}
	if _, err := s.List(ctx, "/c/", ListOptions{Revision: rev}); err != nil {
		t.Errorf("List at the compaction: got %v, want success", err)
	}
}

func TestCompactorsTakeTurns(t *testing.T) {
	ctx := testContext(t)
	e := startEtcd(t)
	a, b := New(e.Client()), New(e.Client())
	// Server a compacts on its first successful turn after seeing a
	// revision; b, a turn behind, must not compact on the same tick.
	va, ra := a.compactTick(ctx, 0, 0, nil)
	var bCompacted bool
	vb, _ := b.compactTick(ctx, 0, 0, func(int64) { bCompacted = true })
	if bCompacted || vb != va {
		t.Errorf("b's turn after a's: got compacted=%v version=%d, want no compaction and version %d", bCompacted, vb, va)
	}
	var aRev int64
	a.compactTick(ctx, va, ra, func(rev int64) { aRev = rev })
	if aRev != ra {
		t.Errorf("a's second turn: compacted at %d, want %d", aRev, ra)
	}
}
