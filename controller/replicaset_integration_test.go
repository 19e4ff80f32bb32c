package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/labels"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/apiservertest"
	"github.com/wharf/wharf/nodeagent"
)

// rolloutNoBind on a pod keeps the rig's binder off it, so that it stays
// unscheduled.
const rolloutNoBind = "test.wharf.dev/no-bind"

// rolloutNodes is how many simulated nodes the rig runs.
const rolloutNodes = 3

// rolloutRig is a real API server with simulated nodes (the node agent's
// simulated runtime runs the pods and reports them Running and Ready), a
// binder standing in for the scheduler (it binds every unscheduled pod to
// the nodes in turn), and the ReplicaSet and Deployment controllers.
type rolloutRig struct {
	c    *client.Client
	pods *client.Resource[core.Pod, *core.Pod]
	rss  *client.Resource[apps.ReplicaSet, *apps.ReplicaSet]
	deps *client.Resource[apps.Deployment, *apps.Deployment]
}

func newRolloutRig(t *testing.T) *rolloutRig {
	t.Helper()
	srv := apiservertest.Start(t)
	c := srv.Client
	r := &rolloutRig{c: c, pods: client.For[core.Pod](c), rss: client.For[apps.ReplicaSet](c), deps: client.For[apps.Deployment](c)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})

	cfg := nodeagent.NewConfig()
	cfg.Simulate = rolloutNodes
	cfg.RenewInterval = time.Second
	cfg.SyncFrequency = 5 * time.Second
	wg.Go(func() {
		if err := nodeagent.RunSimulated(ctx, c, cfg, log); err != nil && ctx.Err() == nil {
			t.Errorf("simulated nodes stopped: %v", err)
		}
	})
	nodes := client.For[core.Node](c)
	apiservertest.Eventually(t, 30*time.Second, func() string {
		l, err := nodes.List(ctx, "", client.ListOptions{})
		if err != nil {
			return err.Error()
		}
		if len(l.Items) != rolloutNodes {
			return fmt.Sprintf("%d nodes registered, want %d", len(l.Items), rolloutNodes)
		}
		return ""
	})

	f := NewInformers(c, log)
	rec := events.NewRecorder(c, "wharf-controller-manager", "test", log)
	rsc := NewReplicaSet(c, f, rec, log)
	dc := NewDeployment(c, f, rec, log)
	binder := r.binder(f)
	f.Start(ctx)
	wg.Go(func() { rec.Run(ctx) })
	for _, run := range []func(context.Context, int) error{rsc.Run, dc.Run, binder} {
		wg.Go(func() {
			if err := run(ctx, 2); err != nil {
				t.Errorf("controller stopped: %v", err)
			}
		})
	}
	wg.Go(f.Wait)
	return r
}

// binder returns a loop that binds every unscheduled pod (but those
// marked rolloutNoBind) to the simulated nodes in turn.
func (r *rolloutRig) binder(f *Informers) func(context.Context, int) error {
	pods := InformerFor[core.Pod](f)
	q := NewQueue[string](10*time.Millisecond, time.Second)
	enqueue := func(p *core.Pod) {
		if p.Spec.NodeName == "" && p.DeletionTimestamp == nil && p.Annotations[rolloutNoBind] == "" {
			q.Add(objectKey(p))
		}
	}
	pods.AddHandler(client.Handler[*core.Pod]{OnAdd: enqueue, OnUpdate: func(_, p *core.Pod) { enqueue(p) }})
	var mu sync.Mutex
	next := 0
	bind := func(ctx context.Context, key string) error {
		ns, name := splitKey(key)
		mu.Lock()
		node := fmt.Sprintf("%s%04d", nodeagent.DefaultNodeNamePrefix, next%rolloutNodes+1)
		next++
		mu.Unlock()
		b := core.Binding{
			TypeMeta:   meta.TypeMeta{APIVersion: "v1", Kind: "Binding"},
			ObjectMeta: meta.ObjectMeta{Namespace: ns, Name: name},
			Target:     core.ObjectReference{Kind: "Node", Name: node},
		}
		body, err := json.Marshal(&b)
		if err != nil {
			return err
		}
		path, err := client.ObjectPath(r.pods.Resource(), ns, name, "binding")
		if err != nil {
			return err
		}
		_, _, err = r.c.Do(ctx, http.MethodPost, path, nil, "", body, "")
		if errors.Is(err, errdefs.ErrConflict) || errors.Is(err, errdefs.ErrNotFound) {
			return nil // bound already, or gone
		}
		return err
	}
	return func(ctx context.Context, workers int) error {
		return runWorkers(ctx, q, workers, slog.New(slog.DiscardHandler), bind, pods.WaitForSync)
	}
}

// eventually is apiservertest.Eventually with the rig's usual patience.
func eventually(t *testing.T, check func() string) {
	t.Helper()
	apiservertest.Eventually(t, 60*time.Second, check)
}

// activePods lists the pods matching selector that are not being deleted
// and not finished.
func (r *rolloutRig) activePods(t *testing.T, selector string) []*core.Pod {
	t.Helper()
	l, err := r.pods.List(context.Background(), "default", client.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	var out []*core.Pod
	for i := range l.Items {
		if p := &l.Items[i]; isActivePod(p) {
			out = append(out, p)
		}
	}
	return out
}

func podNamesOf(pods []*core.Pod) []string {
	var names []string
	for _, p := range pods {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

// describePods is pods' names, nodes, phases and readiness, for failure
// messages.
func describePods(pods []*core.Pod) string {
	var parts []string
	for _, p := range pods {
		parts = append(parts, fmt.Sprintf("%s@%s/%s/ready=%v", p.Name, p.Spec.NodeName, p.Status.Phase, p.IsReady()))
	}
	return strings.Join(parts, " ")
}

// readyPods says how many of pods are Ready.
func readyPods(pods []*core.Pod) int {
	n := 0
	for _, p := range pods {
		if p.IsReady() {
			n++
		}
	}
	return n
}

func rolloutTemplate(app, image string) core.PodTemplateSpec {
	grace := int64(1)
	return core.PodTemplateSpec{
		ObjectMeta: meta.ObjectMeta{Labels: map[string]string{"app": app}},
		Spec: core.PodSpec{
			Containers:                    []core.Container{{Name: "app", Image: image}},
			TerminationGracePeriodSeconds: &grace,
		},
	}
}

func newTestReplicaSet(name string, replicas int32) *apps.ReplicaSet {
	return &apps.ReplicaSet{
		ObjectMeta: meta.ObjectMeta{Namespace: "default", Name: name},
		Spec: apps.ReplicaSetSpec{
			Replicas: &replicas,
			Selector: &meta.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: rolloutTemplate(name, "nginx:1"),
		},
	}
}

// waitReplicaSet waits until the ReplicaSet has want active pods, all
// ready, and a status saying so for its current generation.
func (r *rolloutRig) waitReplicaSet(t *testing.T, name string, want int) []*core.Pod {
	t.Helper()
	var pods []*core.Pod
	eventually(t, func() string {
		rs, err := r.rss.Get(context.Background(), "default", name)
		if err != nil {
			return err.Error()
		}
		pods = r.activePods(t, labels.FormatLabelSelector(rs.Spec.Selector))
		st := rs.Status
		switch {
		case len(pods) != want || readyPods(pods) != want:
			return fmt.Sprintf("%d active pods, %d ready; want %d: %s", len(pods), readyPods(pods), want, describePods(pods))
		case st.ObservedGeneration != rs.Generation || st.Replicas != int32(want) || st.ReadyReplicas != int32(want) ||
			st.AvailableReplicas != int32(want) || st.FullyLabeledReplicas != int32(want):
			return fmt.Sprintf("status %+v at generation %d, want %d replicas ready and available", st, rs.Generation, want)
		}
		return ""
	})
	return pods
}

func (r *rolloutRig) scaleReplicaSet(t *testing.T, name string, n int32) {
	t.Helper()
	body := fmt.Sprintf(`{"spec":{"replicas":%d}}`, n)
	if _, err := r.rss.Patch(context.Background(), "default", name, client.MergePatch, []byte(body)); err != nil {
		t.Fatal(err)
	}
}

func TestReplicaSetConvergesAndReplacesPods(t *testing.T) {
	r := newRolloutRig(t)
	ctx := context.Background()
	rs, err := r.rss.Create(ctx, "", newTestReplicaSet("web", 3))
	if err != nil {
		t.Fatal(err)
	}
	pods := r.waitReplicaSet(t, "web", 3)
	for _, p := range pods {
		ref := p.ControllerRef()
		if ref == nil || ref.UID != rs.UID || ref.Kind != "ReplicaSet" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
			t.Errorf("pod %s: controller reference %+v, want the ReplicaSet's with blockOwnerDeletion", p.Name, ref)
		}
		if !strings.HasPrefix(p.Name, "web-") || p.Labels["app"] != "web" {
			t.Errorf("pod %s labels %v: want a name from web- and the template's labels", p.Name, p.Labels)
		}
	}

	victim := pods[0]
	if err := r.pods.Delete(ctx, "default", victim.Name, nil); err != nil {
		t.Fatal(err)
	}
	after := r.waitReplicaSet(t, "web", 3)
	if slices.Contains(podNamesOf(after), victim.Name) {
		t.Errorf("deleted pod %s still counted among %v", victim.Name, podNamesOf(after))
	}

	r.scaleReplicaSet(t, "web", 5)
	r.waitReplicaSet(t, "web", 5)
	r.scaleReplicaSet(t, "web", 1)
	r.waitReplicaSet(t, "web", 1)

	eventually(t, func() string {
		evs, err := client.For[core.Event](r.c).List(ctx, "default", client.ListOptions{})
		if err != nil {
			return err.Error()
		}
		seen := map[string]bool{}
		for _, ev := range evs.Items {
			if ev.InvolvedObject.Name == "web" && ev.InvolvedObject.Kind == "ReplicaSet" {
				seen[ev.Reason] = true
			}
		}
		if !seen[reasonSuccessfulCreate] || !seen[reasonSuccessfulDelete] {
			return fmt.Sprintf("events on the ReplicaSet %v, want SuccessfulCreate and SuccessfulDelete", seen)
		}
		return ""
	})
}

func TestReplicaSetDeletesLeastValuablePods(t *testing.T) {
	r := newRolloutRig(t)
	ctx := context.Background()
	if _, err := r.rss.Create(ctx, "", newTestReplicaSet("rank", 2)); err != nil {
		t.Fatal(err)
	}
	keep := podNamesOf(r.waitReplicaSet(t, "rank", 2))

	// Two orphans that the ReplicaSet adopts, which makes it two pods too
	// many: one never scheduled, one running but never ready (its
	// readiness gate is never set). Those are the ones it must delete.
	unscheduled := &core.Pod{
		ObjectMeta: meta.ObjectMeta{Namespace: "default", Name: "unscheduled", Labels: map[string]string{"app": "rank"}, Annotations: map[string]string{rolloutNoBind: "true"}},
		Spec:       rolloutTemplate("rank", "nginx:1").Spec,
	}
	unready := &core.Pod{
		ObjectMeta: meta.ObjectMeta{Namespace: "default", Name: "unready", Labels: map[string]string{"app": "rank"}},
		Spec:       rolloutTemplate("rank", "nginx:1").Spec,
	}
	unready.Spec.ReadinessGates = []core.PodReadinessGate{{ConditionType: "example.com/never"}}
	for _, p := range []*core.Pod{unscheduled, unready} {
		if _, err := r.pods.Create(ctx, "default", p); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, func() string {
		evs, err := client.For[core.Event](r.c).List(ctx, "default", client.ListOptions{})
		if err != nil {
			return err.Error()
		}
		var deleted []string
		for _, ev := range evs.Items {
			if ev.InvolvedObject.Name == "rank" && ev.Reason == reasonSuccessfulDelete {
				deleted = append(deleted, strings.TrimPrefix(ev.Message, "Deleted pod: "))
			}
		}
		sort.Strings(deleted)
		if !slices.Equal(deleted, []string{"unready", "unscheduled"}) {
			return fmt.Sprintf("deleted %v, want the adopted orphans [unready unscheduled]", deleted)
		}
		if got := podNamesOf(r.activePods(t, "app=rank")); !slices.Equal(got, keep) {
			return fmt.Sprintf("active pods %v, want the ready ones %v", got, keep)
		}
		return ""
	})
	r.waitReplicaSet(t, "rank", 2)
}

func TestReplicaSetReleasesAndAdopts(t *testing.T) {
	r := newRolloutRig(t)
	ctx := context.Background()
	rs, err := r.rss.Create(ctx, "", newTestReplicaSet("own", 2))
	if err != nil {
		t.Fatal(err)
	}
	pods := r.waitReplicaSet(t, "own", 2)
	stray := pods[0].Name

	// Relabelled out of the selector: released, and replaced.
	if _, err := r.pods.Patch(ctx, "default", stray, client.MergePatch, []byte(`{"metadata":{"labels":{"app":"debug"}}}`)); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string {
		p, err := r.pods.Get(ctx, "default", stray)
		if err != nil {
			return err.Error()
		}
		if ref := p.ControllerRef(); ref != nil {
			return fmt.Sprintf("relabelled pod still controlled by %s", ref.Name)
		}
		return ""
	})
	r.waitReplicaSet(t, "own", 2)

	// Back in: adopted, and one pod too many is deleted.
	if _, err := r.pods.Patch(ctx, "default", stray, client.MergePatch, []byte(`{"metadata":{"labels":{"app":"own"}}}`)); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string {
		p, err := r.pods.Get(ctx, "default", stray)
		if err == nil && isActivePod(p) {
			if ref := p.ControllerRef(); ref == nil || ref.UID != rs.UID {
				return "orphan matching the selector not adopted"
			}
		}
		if n := len(r.activePods(t, "app=own")); n != 2 {
			return fmt.Sprintf("%d active pods, want 2", n)
		}
		return ""
	})
	r.waitReplicaSet(t, "own", 2)
}
