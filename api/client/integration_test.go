package client_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/apiservertest"
)

func realServer(t *testing.T) *client.Client { return apiservertest.Start(t).Client }

func TestTypedClientAgainstServer(t *testing.T) {
	c := realServer(t)
	ctx := context.Background()
	cms := client.For[core.ConfigMap](c)
	created, err := cms.Create(ctx, "default", &core.ConfigMap{ObjectMeta: meta.ObjectMeta{Name: "a"}, Data: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if created.UID == "" || created.ResourceVersion == "" {
		t.Fatalf("created object lacks uid or resourceVersion: %+v", created.ObjectMeta)
	}
	stale := meta.DeepCopy(created)
	created.Data["k"] = "w"
	if _, err := cms.Update(ctx, created); err != nil {
		t.Fatal(err)
	}
	stale.Data["k"] = "x"
	if _, err := cms.Update(ctx, stale); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("update with a stale resourceVersion: got %v, want Conflict", err)
	}
	if _, err := cms.Get(ctx, "default", "nope"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("get of a missing object: got %v, want NotFound", err)
	}
	list, err := cms.List(ctx, "default", client.ListOptions{})
	if err != nil || len(list.Items) != 1 || list.Items[0].Data["k"] != "w" {
		t.Fatalf("list: %v %+v", err, list)
	}
}

// TestInformerFollowsServer: the informer's cache and handlers track
// creates, updates and deletes made by another client.
func TestInformerFollowsServer(t *testing.T) {
	c := realServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cms := client.For[core.ConfigMap](c)
	if _, err := cms.Create(ctx, "default", &core.ConfigMap{ObjectMeta: meta.ObjectMeta{Name: "before"}}); err != nil {
		t.Fatal(err)
	}
	inf := client.NewInformer(cms, "default", client.ListOptions{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var mu sync.Mutex
	var seen []string
	record := func(s string) { mu.Lock(); seen = append(seen, s); mu.Unlock() }
	inf.AddHandler(client.Handler[*core.ConfigMap]{
		OnAdd:    func(o *core.ConfigMap) { record("add " + o.Name) },
		OnUpdate: func(_, o *core.ConfigMap) { record("update " + o.Name + "=" + o.Data["k"]) },
		OnDelete: func(o *core.ConfigMap) { record("delete " + o.Name) },
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = inf.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()
	if !inf.WaitForSync(ctx) {
		t.Fatal("informer never synced")
	}
	if _, ok := inf.Get("default", "before"); !ok {
		t.Fatal("object created before the informer started is not in its cache")
	}
	after, err := cms.Create(ctx, "default", &core.ConfigMap{ObjectMeta: meta.ObjectMeta{Name: "after"}})
	if err != nil {
		t.Fatal(err)
	}
	after.Data = map[string]string{"k": "2"}
	if _, err := cms.Update(ctx, after); err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(ctx, "default", "before", nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"add before", "add after", "update after=2", "delete before"}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		got := append([]string(nil), seen...)
		mu.Unlock()
		if len(got) >= len(want) {
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("handler calls %v, want %v", got, want)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("handler calls %v, want %v", got, want)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, with a deadline
	}
	if _, ok := inf.Get("default", "before"); ok {
		t.Error("deleted object still in the informer's cache")
	}
	if got, ok := inf.Get("default", "after"); !ok || got.Data["k"] != "2" {
		t.Errorf("cache has %+v, want after with k=2", got)
	}
}
