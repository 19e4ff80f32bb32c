package controller

import (
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

func TestSlowStartBatch(t *testing.T) {
	tests := []struct {
		name          string
		count, failAt int // failAt: the call (from 1) that fails; 0 for none
		wantCalls     int
		wantSuccesses int
	}{
		{"all succeed", 10, 0, 10, 10},
		{"first call fails: one call only", 10, 1, 1, 0},
		{"failure in the batch of 4 stops after it", 20, 5, 7, 6},
		{"nothing to do", 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			got, err := slowStartBatch(tt.count, 1, func() error {
				mu.Lock()
				defer mu.Unlock()
				calls++
				if calls == tt.failAt {
					return errors.New("quota exceeded")
				}
				return nil
			})
			if calls != tt.wantCalls || got != tt.wantSuccesses {
				t.Errorf("got %d calls, %d successes; want %d calls, %d successes", calls, got, tt.wantCalls, tt.wantSuccesses)
			}
			if (err != nil) != (tt.failAt != 0) {
				t.Errorf("error %v, want one: %v", err, tt.failAt != 0)
			}
		})
	}
}

func TestPodFromTemplate(t *testing.T) {
	tmpl := &core.PodTemplateSpec{
		ObjectMeta: meta.ObjectMeta{Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"a": "b"}},
		Spec:       core.PodSpec{Containers: []core.Container{{Name: "web", Image: "web:1"}}},
	}
	rs := testRS("web-abc", 1, 0).rs
	ref := controllerRef(rs, "apps/v1", "ReplicaSet")
	pod := podFromTemplate(tmpl, "default", rs.Name, ref)
	if pod.GenerateName != "web-abc-" || pod.Namespace != "default" {
		t.Errorf("generateName %q namespace %q, want web-abc- in default", pod.GenerateName, pod.Namespace)
	}
	want := []meta.OwnerReference{ref}
	if diff := cmp.Diff(want, pod.OwnerReferences); diff != "" {
		t.Errorf("ownerReferences (-want +got):\n%s", diff)
	}
	if c, b := ref.Controller, ref.BlockOwnerDeletion; c == nil || !*c || b == nil || !*b {
		t.Errorf("owner reference %+v: want controller and blockOwnerDeletion", ref)
	}
	pod.Labels["app"] = "changed"
	if tmpl.Labels["app"] != "web" {
		t.Error("changing the pod's labels changed the template's")
	}
}
