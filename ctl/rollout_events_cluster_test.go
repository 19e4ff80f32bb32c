package ctl

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// recordEvent creates an event about the object ref, reported the way the
// controllers report them.
func recordEvent(t *testing.T, cl *client.Client, ns, name string, ref core.ObjectReference, reason, message string) {
	t.Helper()
	// 20 minutes ago: an age that prints as "20m" for a whole minute.
	now := meta.Time{Time: time.Now().Add(-20 * time.Minute)}
	e := &core.Event{
		InvolvedObject: ref,
		Reason:         reason,
		Message:        message,
		Source:         core.EventSource{Component: "deployment-controller"},
		FirstTimestamp: now,
		LastTimestamp:  now,
		Count:          1,
		Type:           core.EventTypeNormal,
	}
	e.Name, e.Namespace = name, ns
	if _, err := client.For[core.Event](cl).Create(context.Background(), ns, e); err != nil {
		t.Fatalf("creating event %s: %v", name, err)
	}
}

// The rollout verbs send people to get events and describe to see why a
// rollout is stuck; both must show the controllers' events.
func TestEventsOfWorkloads(t *testing.T) {
	c := startAPIServer(t)
	cl := c.client(t)
	d := createDeployment(t, cl, webDeployment(2, "web=nginx:1"))
	recordEvent(t, cl, "default", "web.1", core.ObjectReference{Kind: "Deployment", APIVersion: "apps/v1", Namespace: "default", Name: "web", UID: d.UID},
		"ScalingReplicaSet", "Scaled up replica set web-5d4f to 2")
	node := &core.Node{}
	node.Name = "n1"
	n, err := client.For[core.Node](cl).Create(context.Background(), "", node)
	if err != nil {
		t.Fatal(err)
	}
	// A node agent reports with the node's name as its uid, as the
	// kubelet does; the node controller with the real uid.
	recordEvent(t, cl, "default", "n1.1", core.ObjectReference{Kind: "Node", Name: "n1", UID: "n1"}, "NodeReady", "Node n1 status is now: NodeReady")
	recordEvent(t, cl, "default", "n1.2", core.ObjectReference{Kind: "Node", Name: "n1", UID: n.UID}, "RegisteredNode", "Node n1 event: Registered Node n1 in Controller")

	t.Run("get events", func(t *testing.T) {
		got := c.mustWharf(t, "", "get", "events")
		lines := strings.Split(strings.TrimRight(got, "\n"), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "LAST SEEN   TYPE     REASON              OBJECT           MESSAGE") {
			t.Fatalf("got:\n%s\nwant kubectl's LAST SEEN TYPE REASON OBJECT MESSAGE table with 3 events", got)
		}
		if !strings.Contains(got, "Normal   ScalingReplicaSet   deployment/web   Scaled up replica set web-5d4f to 2") {
			t.Errorf("got:\n%s\nwant the deployment's event", got)
		}
	})
	t.Run("describe deployment", func(t *testing.T) {
		got := c.mustWharf(t, "", "describe", "deployment", "web")
		want := "Events:\n  Type    Reason             Age   From                   Message\n" +
			"  ----    ------             ----  ----                   -------\n" +
			"  Normal  ScalingReplicaSet  20m   deployment-controller  Scaled up replica set web-5d4f to 2\n"
		if !strings.HasSuffix(got, want) {
			t.Errorf("got:\n%s\nwant it to end with:\n%s", got, want)
		}
	})
	t.Run("describe node", func(t *testing.T) {
		got := c.mustWharf(t, "", "describe", "node", "n1")
		for _, want := range []string{"NodeReady", "RegisteredNode"} {
			if !strings.Contains(got, want) {
				t.Errorf("got:\n%s\nwant the event %s", got, want)
			}
		}
	})
}

func TestRolloutOfDaemonSets(t *testing.T) {
	c := startAPIServer(t)
	cl := c.client(t)
	ds := &apps.DaemonSet{}
	ds.Name, ds.Namespace = "agent", "default"
	ds.Spec.Selector = &meta.LabelSelector{MatchLabels: map[string]string{"app": "agent"}}
	ds.Spec.Template.Labels = map[string]string{"app": "agent"}
	ds.Spec.Template.Spec.Containers = []core.Container{{Name: "agent", Image: "agent:1"}}
	dsClient := client.For[apps.DaemonSet](cl)
	ds, err := dsClient.Create(context.Background(), "default", ds)
	if err != nil {
		t.Fatal(err)
	}

	if got, want := c.mustWharf(t, "", "rollout", "restart", "ds/agent"), "daemonset.apps/agent restarted\n"; got != want {
		t.Errorf("restart printed %q, want %q", got, want)
	}
	ds, err = dsClient.Get(context.Background(), "default", "agent")
	if err != nil {
		t.Fatal(err)
	}
	if ds.Spec.Template.Annotations[restartedAtAnnotation] == "" {
		t.Errorf("got template annotations %v, want %s", ds.Spec.Template.Annotations, restartedAtAnnotation)
	}

	ds.Status.ObservedGeneration = ds.Generation
	ds.Status.DesiredNumberScheduled = 3
	ds.Status.CurrentNumberScheduled = 3
	ds.Status.UpdatedNumberScheduled = 3
	ds.Status.NumberReady = 2
	ds.Status.NumberAvailable = 2
	if ds, err = dsClient.UpdateStatus(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	got := c.mustWharf(t, "", "rollout", "status", "daemonset/agent", "--watch=false")
	if want := "Waiting for daemon set \"agent\" rollout to finish: 2 of 3 updated pods are available...\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	ds.Status.NumberReady, ds.Status.NumberAvailable = 3, 3
	if _, err := dsClient.UpdateStatus(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	if got, want := c.mustWharf(t, "", "rollout", "status", "daemonset/agent"), "daemon set \"agent\" successfully rolled out\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}

	r := c.wharf(t, "", "rollout", "pause", "ds/agent")
	if want := "error: daemonsets.apps \"agent\" pausing is not supported\n"; r.code != 1 || r.stderr != want {
		t.Errorf("pause: got %+v, want exit 1 and %q", r, want)
	}
}
