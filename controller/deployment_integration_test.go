package controller

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

func newTestDeployment(name string, replicas int32, image string) *apps.Deployment {
	return &apps.Deployment{
		ObjectMeta: meta.ObjectMeta{Namespace: "default", Name: name},
		Spec: apps.DeploymentSpec{
			Replicas: &replicas,
			Selector: &meta.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: rolloutTemplate(name, image),
		},
	}
}

func (r *rolloutRig) createDeployment(t *testing.T, d *apps.Deployment) *apps.Deployment {
	t.Helper()
	out, err := r.deps.Create(context.Background(), "", d)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (r *rolloutRig) patchDeployment(t *testing.T, name, patch string) {
	t.Helper()
	if _, err := r.deps.Patch(context.Background(), "default", name, client.StrategicMergePatch, []byte(patch)); err != nil {
		t.Fatal(err)
	}
}

func (r *rolloutRig) setImage(t *testing.T, name, image string) {
	t.Helper()
	r.patchDeployment(t, name, fmt.Sprintf(`{"spec":{"template":{"spec":{"containers":[{"name":"app","image":%q}]}}}}`, image))
}

// replicaSetsOf lists the ReplicaSets d controls.
func (r *rolloutRig) replicaSetsOf(t *testing.T, d *apps.Deployment) []*apps.ReplicaSet {
	t.Helper()
	l, err := r.rss.List(context.Background(), "default", client.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*apps.ReplicaSet
	for i := range l.Items {
		if ref := l.Items[i].ControllerRef(); ref != nil && ref.UID == d.UID {
			out = append(out, &l.Items[i])
		}
	}
	slices.SortFunc(out, byCreation)
	return out
}

// waitRollout waits until the deployment's latest spec is rolled out: its
// status, as `kubectl rollout status` reads it, says every replica is
// updated and available and the rollout complete; and its pods agree.
func (r *rolloutRig) waitRollout(t *testing.T, name, image string) *apps.Deployment {
	t.Helper()
	var d *apps.Deployment
	eventually(t, func() string {
		var err error
		d, err = r.deps.Get(context.Background(), "default", name)
		if err != nil {
			return err.Error()
		}
		want := replicasOf(d.Spec.Replicas)
		st := d.Status
		if st.ObservedGeneration < d.Generation {
			return fmt.Sprintf("observedGeneration %d < generation %d", st.ObservedGeneration, d.Generation)
		}
		if st.UpdatedReplicas != want || st.Replicas != want || st.AvailableReplicas != want || st.ReadyReplicas != want || st.UnavailableReplicas != 0 {
			return fmt.Sprintf("status %+v, want %d replicas all updated and available", st, want)
		}
		if c := deploymentCondition(st, apps.DeploymentProgressing); c == nil || c.Reason != reasonNewRSAvailable || c.Status != core.ConditionTrue {
			return fmt.Sprintf("Progressing %+v, want True/%s", c, reasonNewRSAvailable)
		}
		if c := deploymentCondition(st, apps.DeploymentAvailable); c == nil || c.Status != core.ConditionTrue || c.Reason != reasonMinimumAvailable {
			return fmt.Sprintf("Available %+v, want True/%s", c, reasonMinimumAvailable)
		}
		pods := r.activePods(t, "app="+name)
		if len(pods) != int(want) || readyPods(pods) != int(want) {
			return fmt.Sprintf("pods %s, want %d ready", describePods(pods), want)
		}
		for _, p := range pods {
			if p.Spec.Containers[0].Image != image {
				return fmt.Sprintf("pod %s runs %s, want %s", p.Name, p.Spec.Containers[0].Image, image)
			}
		}
		return ""
	})
	return d
}

// podTimeline follows pods through a watch, from a list, and checks every
// state they pass through, in the order the API server went through them.
type podTimeline struct {
	w          *client.Watcher[core.Pod, *core.Pod]
	done       chan struct{}
	mu         sync.Mutex
	events     int
	violations []string
	err        error
}

func (r *rolloutRig) followPods(t *testing.T, selector string, check func(pods map[string]*core.Pod) string) *podTimeline {
	t.Helper()
	ctx := context.Background()
	l, err := r.pods.List(ctx, "default", client.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	pods := map[string]*core.Pod{}
	for i := range l.Items {
		pods[l.Items[i].Name] = &l.Items[i]
	}
	if msg := check(pods); msg != "" {
		t.Fatalf("before the change: %s", msg)
	}
	w, err := r.pods.Watch(ctx, "default", client.ListOptions{LabelSelector: selector, ResourceVersion: l.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	tl := &podTimeline{w: w, done: make(chan struct{})}
	go func() {
		defer close(tl.done)
		for ev := range w.Events() {
			tl.mu.Lock()
			switch ev.Type {
			case meta.Added, meta.Modified:
				pods[ev.Object.Name] = ev.Object
			case meta.Deleted:
				delete(pods, ev.Object.Name)
			case meta.Error:
				tl.err = ev.Err
			}
			if ev.Type != meta.Bookmark {
				tl.events++
				if msg := check(pods); msg != "" && len(tl.violations) < 10 {
					tl.violations = append(tl.violations, fmt.Sprintf("after event %d (%s %s): %s", tl.events, ev.Type, ev.Object.Name, msg))
				}
			}
			tl.mu.Unlock()
		}
	}()
	return tl
}

// stop ends the watch and fails the test if any state broke the check or
// the watch broke before it was stopped.
func (tl *podTimeline) stop(t *testing.T) int {
	t.Helper()
	tl.mu.Lock()
	if tl.err != nil {
		t.Errorf("pod watch broke: %v", tl.err)
	}
	tl.mu.Unlock()
	tl.w.Stop()
	<-tl.done
	for _, v := range tl.violations {
		t.Error(v)
	}
	return tl.events
}

func TestDeploymentRollingUpdate(t *testing.T) {
	tests := []struct {
		replicas           int32
		surge, unavailable string
		wantSurge, wantUn  int32 // resolved against replicas
	}{
		{8, "25%", "25%", 2, 2},
		{5, "1", "0", 1, 0},
		{5, "0", "1", 0, 1},
		{6, "50%", "10%", 3, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%s/%s", tt.replicas, tt.surge, tt.unavailable), func(t *testing.T) {
			testRollingUpdate(t, tt.replicas, tt.surge, tt.unavailable, tt.wantSurge, tt.wantUn)
		})
	}
}

// testRollingUpdate rolls a deployment to a new image and checks, on
// every state its pods pass through in the watch stream, that no more
// than replicas+maxSurge pods are not terminating and no fewer than
// replicas-maxUnavailable are ready.
func testRollingUpdate(t *testing.T, replicas int32, surge, unavailable string, wantSurge, wantUnavailable int32) {
	r := newRolloutRig(t)
	ctx := context.Background()
	dep := newTestDeployment("web", replicas, "nginx:1")
	dep.Spec.Strategy.RollingUpdate = &apps.RollingUpdateDeployment{MaxSurge: intOrString(surge), MaxUnavailable: intOrString(unavailable)}
	d := r.createDeployment(t, dep)
	r.waitRollout(t, "web", "nginx:1")
	first := r.replicaSetsOf(t, d)
	if len(first) != 1 {
		t.Fatalf("%d ReplicaSets after creation, want 1", len(first))
	}
	rs1 := first[0]
	hash := rs1.Labels[apps.PodTemplateHashLabel]
	if hash == "" || rs1.Name != "web-"+hash || rs1.Spec.Selector.MatchLabels[apps.PodTemplateHashLabel] != hash || rs1.Spec.Template.Labels[apps.PodTemplateHashLabel] != hash {
		t.Errorf("ReplicaSet %s labels %v selector %v: want name, labels and selector with the pod-template-hash", rs1.Name, rs1.Labels, rs1.Spec.Selector.MatchLabels)
	}
	if got := rs1.Annotations[apps.RevisionAnnotation]; got != "1" {
		t.Errorf("first ReplicaSet revision %q, want 1", got)
	}

	upper, lower := int(replicas+wantSurge), int(replicas-wantUnavailable)
	minReady, maxLive := int(replicas), 0
	tl := r.followPods(t, "app=web", func(pods map[string]*core.Pod) string {
		live, ready := 0, 0
		for _, p := range pods {
			if isActivePod(p) {
				live++
				if p.IsReady() {
					ready++
				}
			}
		}
		minReady, maxLive = min(minReady, ready), max(maxLive, live)
		switch {
		case live > upper:
			return fmt.Sprintf("%d pods not terminating, more than replicas+maxSurge = %d", live, upper)
		case ready < lower:
			return fmt.Sprintf("%d ready pods not terminating, fewer than replicas-maxUnavailable = %d", ready, lower)
		}
		return ""
	})
	r.setImage(t, "web", "nginx:2")
	after := r.waitRollout(t, "web", "nginx:2")
	events := tl.stop(t)
	t.Logf("rollout: %d pod events, at most %d live pods, at least %d ready", events, maxLive, minReady)
	if events < 2*int(replicas) {
		t.Errorf("saw %d pod events during the rollout, want at least %d (each new pod created and made ready)", events, 2*replicas)
	}

	rss := r.replicaSetsOf(t, d)
	if len(rss) != 2 {
		t.Fatalf("ReplicaSets %s after one update, want 2", describeReplicaSets(rss))
	}
	old, cur := replicaSetRunning(t, rss, "nginx:1"), replicaSetRunning(t, rss, "nginx:2")
	if old.UID != rs1.UID || replicasOf(old.Spec.Replicas) != 0 {
		t.Errorf("old ReplicaSet %s at %d replicas, want %s at 0", old.Name, replicasOf(old.Spec.Replicas), rs1.Name)
	}
	wantAnn := map[string]string{
		apps.RevisionAnnotation:        "2",
		apps.DesiredReplicasAnnotation: fmt.Sprint(replicas),
		apps.MaxReplicasAnnotation:     fmt.Sprint(replicas + wantSurge),
	}
	for k, v := range wantAnn {
		if cur.Annotations[k] != v {
			t.Errorf("new ReplicaSet %s annotation %s = %q, want %q", cur.Name, k, cur.Annotations[k], v)
		}
	}
	if replicasOf(cur.Spec.Replicas) != replicas {
		t.Errorf("new ReplicaSet %s at %d replicas, want %d", cur.Name, replicasOf(cur.Spec.Replicas), replicas)
	}
	if got := after.Annotations[apps.RevisionAnnotation]; got != "2" {
		t.Errorf("deployment revision %q, want 2", got)
	}

	eventually(t, func() string {
		evs, err := client.For[core.Event](r.c).List(ctx, "default", client.ListOptions{})
		if err != nil {
			return err.Error()
		}
		var msgs []string
		for _, ev := range evs.Items {
			if ev.InvolvedObject.Kind == "Deployment" && ev.Reason == reasonScalingReplicaSet {
				msgs = append(msgs, ev.Message)
			}
		}
		wantUp := fmt.Sprintf("Scaled up replica set %s to %d", cur.Name, replicas)
		wantDown := fmt.Sprintf("Scaled down replica set %s to 0", old.Name)
		if !slices.Contains(msgs, wantUp) || !slices.Contains(msgs, wantDown) {
			return fmt.Sprintf("ScalingReplicaSet events %q, want %q and %q among them", msgs, wantUp, wantDown)
		}
		return ""
	})
}

func TestDeploymentRecreate(t *testing.T) {
	r := newRolloutRig(t)
	dep := newTestDeployment("batch", 3, "worker:1")
	dep.Spec.Strategy.Type = apps.RecreateDeploymentStrategyType
	d := r.createDeployment(t, dep)
	r.waitRollout(t, "batch", "worker:1")

	// Recreate: no new pod exists while an old one runs, terminating or
	// not. An old pod whose containers have all stopped (its agent wrote a
	// terminal phase before deleting it) runs nothing: as in Kubernetes,
	// it does not hold the new pods back.
	tl := r.followPods(t, "app=batch", func(pods map[string]*core.Pod) string {
		var old, cur []string
		for _, p := range pods {
			desc := fmt.Sprintf("%s(%s, deleting %v)", p.Name, p.Status.Phase, p.DeletionTimestamp != nil)
			switch {
			case p.IsTerminal():
			case p.Spec.Containers[0].Image == "worker:1":
				old = append(old, desc)
			default:
				cur = append(cur, desc)
			}
		}
		if len(old) > 0 && len(cur) > 0 {
			return fmt.Sprintf("new pods %v exist beside old pods still running %v", cur, old)
		}
		return ""
	})
	r.setImage(t, "batch", "worker:2")
	r.waitRollout(t, "batch", "worker:2")
	if events := tl.stop(t); events == 0 {
		t.Error("saw no pod events during the rollout")
	}
	rss := r.replicaSetsOf(t, d)
	if len(rss) != 2 || replicasOf(replicaSetRunning(t, rss, "worker:1").Spec.Replicas) != 0 || replicasOf(replicaSetRunning(t, rss, "worker:2").Spec.Replicas) != 3 {
		t.Errorf("ReplicaSets %v, want the old at 0 and the new at 3", describeReplicaSets(rss))
	}
}

// replicaSetRunning returns the ReplicaSet among rss whose pods run image.
func replicaSetRunning(t *testing.T, rss []*apps.ReplicaSet, image string) *apps.ReplicaSet {
	t.Helper()
	for _, rs := range rss {
		if rs.Spec.Template.Spec.Containers[0].Image == image {
			return rs
		}
	}
	t.Fatalf("no ReplicaSet for %s among %s", image, describeReplicaSets(rss))
	return nil
}

func describeReplicaSets(rss []*apps.ReplicaSet) string {
	var parts []string
	for _, rs := range rss {
		parts = append(parts, fmt.Sprintf("%s=%d(rev %s)", rs.Name, replicasOf(rs.Spec.Replicas), rs.Annotations[apps.RevisionAnnotation]))
	}
	return strings.Join(parts, " ")
}

func TestDeploymentPauseAndResume(t *testing.T) {
	r := newRolloutRig(t)
	ctx := context.Background()
	d := r.createDeployment(t, newTestDeployment("paused", 2, "app:1"))
	r.waitRollout(t, "paused", "app:1")

	r.patchDeployment(t, "paused", `{"spec":{"paused":true}}`)
	r.setImage(t, "paused", "app:2")
	eventually(t, func() string {
		cur, err := r.deps.Get(ctx, "default", "paused")
		if err != nil {
			return err.Error()
		}
		if cur.Status.ObservedGeneration < cur.Generation {
			return fmt.Sprintf("observedGeneration %d < generation %d", cur.Status.ObservedGeneration, cur.Generation)
		}
		if c := deploymentCondition(cur.Status, apps.DeploymentProgressing); c == nil || c.Reason != reasonPaused || c.Status != core.ConditionUnknown {
			return fmt.Sprintf("Progressing %+v, want Unknown/%s", c, reasonPaused)
		}
		return ""
	})
	if rss := r.replicaSetsOf(t, d); len(rss) != 1 {
		t.Fatalf("ReplicaSets %s while paused, want only the first", describeReplicaSets(rss))
	}

	// Scaling still works while paused.
	r.patchDeployment(t, "paused", `{"spec":{"replicas":4}}`)
	eventually(t, func() string {
		rss := r.replicaSetsOf(t, d)
		if len(rss) != 1 || replicasOf(rss[0].Spec.Replicas) != 4 {
			return fmt.Sprintf("ReplicaSets %s, want the first scaled to 4", describeReplicaSets(rss))
		}
		if pods := r.activePods(t, "app=paused"); readyPods(pods) != 4 {
			return fmt.Sprintf("pods %s, want 4 ready", describePods(pods))
		}
		return ""
	})

	r.patchDeployment(t, "paused", `{"spec":{"paused":false}}`)
	after := r.waitRollout(t, "paused", "app:2")
	rss := r.replicaSetsOf(t, d)
	if len(rss) != 2 || replicasOf(replicaSetRunning(t, rss, "app:2").Spec.Replicas) != 4 || replicaSetRunning(t, rss, "app:2").Annotations[apps.RevisionAnnotation] != "2" {
		t.Errorf("ReplicaSets %s after resuming, want a new one at 4, revision 2", describeReplicaSets(rss))
	}
	if after.Annotations[apps.RevisionAnnotation] != "2" {
		t.Errorf("deployment revision %q, want 2", after.Annotations[apps.RevisionAnnotation])
	}
}

func TestDeploymentRevisionHistoryLimit(t *testing.T) {
	r := newRolloutRig(t)
	dep := newTestDeployment("hist", 1, "app:1")
	limit := int32(1)
	dep.Spec.RevisionHistoryLimit = &limit
	d := r.createDeployment(t, dep)
	r.waitRollout(t, "hist", "app:1")
	for _, img := range []string{"app:2", "app:3", "app:4"} {
		r.setImage(t, "hist", img)
		r.waitRollout(t, "hist", img)
	}
	eventually(t, func() string {
		rss := r.replicaSetsOf(t, d)
		var images []string
		for _, rs := range rss {
			images = append(images, rs.Spec.Template.Spec.Containers[0].Image)
		}
		slices.Sort(images)
		if !slices.Equal(images, []string{"app:3", "app:4"}) {
			return fmt.Sprintf("ReplicaSets of %v (%s), want those of app:3 and app:4", images, describeReplicaSets(rss))
		}
		return ""
	})
}

func TestDeploymentRollbackReusesReplicaSet(t *testing.T) {
	r := newRolloutRig(t)
	ctx := context.Background()
	d := r.createDeployment(t, newTestDeployment("undo", 2, "app:1"))
	r.waitRollout(t, "undo", "app:1")
	rs1 := r.replicaSetsOf(t, d)[0]
	r.setImage(t, "undo", "app:2")
	r.waitRollout(t, "undo", "app:2")

	// `kubectl rollout undo` copies the old ReplicaSet's template, less
	// its pod-template-hash label, into the deployment.
	cur, err := r.deps.Get(ctx, "default", "undo")
	if err != nil {
		t.Fatal(err)
	}
	tmpl := meta.DeepCopy(rs1.Spec.Template)
	tmpl.Labels = maps.Clone(tmpl.Labels)
	delete(tmpl.Labels, apps.PodTemplateHashLabel)
	cur.Spec.Template = tmpl
	if _, err := r.deps.Update(ctx, cur); err != nil {
		t.Fatal(err)
	}
	after := r.waitRollout(t, "undo", "app:1")

	rss := r.replicaSetsOf(t, d)
	if len(rss) != 2 {
		t.Fatalf("ReplicaSets %s after the rollback, want the two there were", describeReplicaSets(rss))
	}
	back, other := replicaSetRunning(t, rss, "app:1"), replicaSetRunning(t, rss, "app:2")
	if back.UID != rs1.UID || replicasOf(back.Spec.Replicas) != 2 {
		t.Errorf("ReplicaSet %s at %d, want %s (the first) back at 2", back.Name, replicasOf(back.Spec.Replicas), rs1.Name)
	}
	if back.Annotations[apps.RevisionAnnotation] != "3" || back.Annotations[apps.RevisionHistoryAnnotation] != "1" {
		t.Errorf("rolled-back ReplicaSet annotations %v, want revision 3 and revision-history 1", back.Annotations)
	}
	if replicasOf(other.Spec.Replicas) != 0 {
		t.Errorf("ReplicaSet %s at %d, want 0", other.Name, replicasOf(other.Spec.Replicas))
	}
	if after.Annotations[apps.RevisionAnnotation] != "3" {
		t.Errorf("deployment revision %q, want 3", after.Annotations[apps.RevisionAnnotation])
	}
}

func TestDeploymentProgressDeadlineExceeded(t *testing.T) {
	r := newRolloutRig(t)
	ctx := context.Background()
	dep := newTestDeployment("stuck", 2, "app:1")
	deadline := int32(2)
	dep.Spec.ProgressDeadlineSeconds = &deadline
	// The pods run but never become ready: nothing sets their gate.
	dep.Spec.Template.Spec.ReadinessGates = []core.PodReadinessGate{{ConditionType: "example.com/never"}}
	d := r.createDeployment(t, dep)
	eventually(t, func() string {
		cur, err := r.deps.Get(ctx, "default", "stuck")
		if err != nil {
			return err.Error()
		}
		rss := r.replicaSetsOf(t, d)
		if len(rss) != 1 {
			return fmt.Sprintf("ReplicaSets %s, want one", describeReplicaSets(rss))
		}
		want := fmt.Sprintf("ReplicaSet %q has timed out progressing.", rss[0].Name)
		c := deploymentCondition(cur.Status, apps.DeploymentProgressing)
		if c == nil || c.Status != core.ConditionFalse || c.Reason != reasonTimedOut || c.Message != want {
			return fmt.Sprintf("Progressing %+v, want False/%s %q", c, reasonTimedOut, want)
		}
		if a := deploymentCondition(cur.Status, apps.DeploymentAvailable); a == nil || a.Status != core.ConditionFalse || a.Reason != reasonMinimumUnavailable {
			return fmt.Sprintf("Available %+v, want False/%s", a, reasonMinimumUnavailable)
		}
		if cur.Status.UpdatedReplicas != 2 || cur.Status.AvailableReplicas != 0 || cur.Status.UnavailableReplicas != 2 {
			return fmt.Sprintf("status %+v, want 2 updated, 0 available, 2 unavailable", cur.Status)
		}
		return ""
	})
}

func TestDeploymentAdoptsMatchingReplicaSet(t *testing.T) {
	r := newRolloutRig(t)
	ctx := context.Background()
	// A ReplicaSet made by hand with the deployment's template: the
	// deployment takes it as its own instead of starting another.
	orphan := newTestReplicaSet("adopt", 2)
	orphan.Name = "adopt-by-hand"
	orphan.Labels = map[string]string{"app": "adopt"}
	if _, err := r.rss.Create(ctx, "", orphan); err != nil {
		t.Fatal(err)
	}
	pods := podNamesOf(r.waitReplicaSet(t, "adopt-by-hand", 2))
	d := r.createDeployment(t, newTestDeployment("adopt", 2, "nginx:1"))
	r.waitRollout(t, "adopt", "nginx:1")
	rss := r.replicaSetsOf(t, d)
	if len(rss) != 1 || rss[0].Name != "adopt-by-hand" || rss[0].Annotations[apps.RevisionAnnotation] != "1" {
		t.Fatalf("ReplicaSets %s, want adopt-by-hand adopted as revision 1", describeReplicaSets(rss))
	}
	if got := podNamesOf(r.activePods(t, "app=adopt")); !slices.Equal(got, pods) {
		t.Errorf("pods %v after adoption, want the same %v", got, pods)
	}
}

// TestDeploymentHundredReplicas rolls out and updates a deployment of 100
// replicas, with the rolling-update bounds checked on every pod event.
func TestDeploymentHundredReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("100 pods")
	}
	testRollingUpdate(t, 100, "25%", "25%", 25, 25)
}
