package controller

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/apiserver/apiservertest"
)

// daemonPodNodes lists the nodes the live pods of ds are meant for.
func daemonPodNodes(c *client.Client, ds *apps.DaemonSet) ([]string, error) {
	l, err := client.For[core.Pod](c).List(context.Background(), ds.Namespace, client.ListOptions{LabelSelector: "app=" + ds.Name})
	if err != nil {
		return nil, err
	}
	var nodes []string
	for _, p := range l.Items {
		if p.DeletionTimestamp == nil {
			nodes = append(nodes, daemonPodNode(&p))
		}
	}
	slices.Sort(nodes)
	return nodes, nil
}

func TestDaemonSetAgainstServer(t *testing.T) {
	r := newControllerRig(t)
	dc := NewDaemonSet(r.c, r.f, r.rec, r.log)
	r.start(t, dc.Run)
	ctx := context.Background()
	nodes := client.For[core.Node](r.c)
	for _, n := range []*core.Node{
		testNode("edge-1").labels("role", "edge").build(),
		testNode("edge-2").labels("role", "edge").build(),
		testNode("core-1").labels("role", "core").build(),
	} {
		if _, err := nodes.Create(ctx, "", n); err != nil {
			t.Fatal(err)
		}
	}
	ds := testDaemonSet("agent")
	ds.UID, ds.Generation = "", 0
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"role": "edge"}
	ds, err := client.For[apps.DaemonSet](r.c).Create(ctx, "default", ds)
	if err != nil {
		t.Fatal(err)
	}
	waitNodes := func(want ...string) {
		t.Helper()
		apiservertest.Eventually(t, 20*time.Second, func() string {
			got, err := daemonPodNodes(r.c, ds)
			if err != nil {
				return err.Error()
			}
			if diff := cmp.Diff(want, got); diff != "" {
				return "daemon pods by node (-want +got):\n" + diff
			}
			return ""
		})
	}
	waitNodes("edge-1", "edge-2")
	apiservertest.Eventually(t, 20*time.Second, func() string {
		got, err := client.For[apps.DaemonSet](r.c).Get(ctx, "default", ds.Name)
		if err != nil {
			return err.Error()
		}
		if s := got.Status; s.DesiredNumberScheduled != 2 || s.CurrentNumberScheduled != 2 || s.UpdatedNumberScheduled != 2 || s.ObservedGeneration != got.Generation {
			return fmt.Sprintf("status %+v, want 2 desired, current and updated at generation %d", s, got.Generation)
		}
		return ""
	})

	// A node that starts to fit gets a pod; one that stops fitting loses it.
	relabel := func(name, role string) {
		t.Helper()
		n, err := nodes.Get(ctx, "", name)
		if err != nil {
			t.Fatal(err)
		}
		n.Labels["role"] = role
		if _, err := nodes.Update(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	relabel("core-1", "edge")
	waitNodes("core-1", "edge-1", "edge-2")
	relabel("edge-2", "core")
	waitNodes("core-1", "edge-1")

	// A new template replaces the pods (they are never ready here, so the
	// rolling update may replace them all at once).
	var cur *apps.DaemonSet
	apiservertest.Eventually(t, 20*time.Second, func() string { // the controller writes the status meanwhile
		var err error
		if cur, err = client.For[apps.DaemonSet](r.c).Get(ctx, "default", ds.Name); err != nil {
			return err.Error()
		}
		cur.Spec.Template.Spec.Containers[0].Image = "agent:2"
		if _, err := client.For[apps.DaemonSet](r.c).Update(ctx, cur); err != nil {
			return err.Error()
		}
		return ""
	})
	hash := daemonTemplateHash(&cur.Spec.Template)
	apiservertest.Eventually(t, 20*time.Second, func() string {
		l, err := client.For[core.Pod](r.c).List(ctx, "default", client.ListOptions{LabelSelector: "app=agent"})
		if err != nil {
			return err.Error()
		}
		live := 0
		for _, p := range l.Items {
			if p.DeletionTimestamp != nil {
				continue
			}
			live++
			if p.Labels[DaemonSetRevisionLabel] != hash || p.Spec.Containers[0].Image != "agent:2" {
				return fmt.Sprintf("pod %s has revision %s image %s, want %s agent:2", p.Name, p.Labels[DaemonSetRevisionLabel], p.Spec.Containers[0].Image, hash)
			}
		}
		if live != 2 {
			return fmt.Sprintf("%d live pods, want 2", live)
		}
		return ""
	})
}
