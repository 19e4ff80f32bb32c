package controller

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/meta"
)

func TestTemplateHash(t *testing.T) {
	d := testDeployment(3, "", "")
	h := templateHash(&d.Spec.Template, nil)
	if h == "" || strings.Trim(h, safeAlphabet) != "" {
		t.Fatalf("hash %q: want a non-empty string over %q", h, safeAlphabet)
	}
	if again := templateHash(&d.Spec.Template, nil); again != h {
		t.Errorf("same template hashed twice: got %q then %q", h, again)
	}
	other := meta.DeepCopy(d.Spec.Template)
	other.Spec.Containers[0].Image = "web:2"
	if got := templateHash(&other, nil); got == h {
		t.Errorf("another image: got the same hash %q, want a different one", got)
	}
	zero, one := int32(0), int32(1)
	h0, h1 := templateHash(&d.Spec.Template, &zero), templateHash(&d.Spec.Template, &one)
	if h0 == h1 || h1 == h {
		t.Errorf("collisionCount must salt the hash: nil %q, 0 %q, 1 %q", h, h0, h1)
	}
}

func TestEqualIgnoreHash(t *testing.T) {
	d := testDeployment(3, "", "")
	rs := newReplicaSetFor(d)
	if !equalIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
		t.Error("a ReplicaSet's template with the hash label: got unequal to its deployment's, want equal")
	}
	if rs.Spec.Template.Labels[apps.PodTemplateHashLabel] == "" || rs.Spec.Selector.MatchLabels[apps.PodTemplateHashLabel] == "" {
		t.Errorf("ReplicaSet labels %v selector %v: want the pod-template-hash in both", rs.Spec.Template.Labels, rs.Spec.Selector.MatchLabels)
	}
	if _, ok := d.Spec.Template.Labels[apps.PodTemplateHashLabel]; ok {
		t.Error("building the ReplicaSet changed the deployment's template labels")
	}
	if want := "web-" + templateHash(&d.Spec.Template, nil); rs.Name != want {
		t.Errorf("name %q, want %q", rs.Name, want)
	}
	changed := meta.DeepCopy(rs.Spec.Template)
	changed.Spec.Containers[0].Image = "web:2"
	if equalIgnoreHash(&changed, &d.Spec.Template) {
		t.Error("templates with different images: got equal, want unequal")
	}
}

func TestSetNewReplicaSetAnnotations(t *testing.T) {
	tests := []struct {
		name        string
		annotations map[string]string
		revision    int64
		exists      bool
		want        map[string]string
	}{
		{
			name:     "new ReplicaSet gets revision and replica annotations",
			revision: 1,
			want: map[string]string{
				apps.RevisionAnnotation: "1", apps.DesiredReplicasAnnotation: "4", apps.MaxReplicasAnnotation: "5", "team": "blue",
			},
		},
		{
			name:        "rollback renumbers and records the old revision",
			annotations: map[string]string{apps.RevisionAnnotation: "1"},
			revision:    3, exists: true,
			want: map[string]string{apps.RevisionAnnotation: "3", apps.RevisionHistoryAnnotation: "1", "team": "blue"},
		},
		{
			name:        "second rollback appends to the history",
			annotations: map[string]string{apps.RevisionAnnotation: "3", apps.RevisionHistoryAnnotation: "1"},
			revision:    5, exists: true,
			want: map[string]string{apps.RevisionAnnotation: "5", apps.RevisionHistoryAnnotation: "1,3", "team": "blue"},
		},
		{
			name:        "current revision stays",
			annotations: map[string]string{apps.RevisionAnnotation: "5"},
			revision:    5, exists: true,
			want: map[string]string{apps.RevisionAnnotation: "5", "team": "blue"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testDeployment(4, "25%", "25%")
			d.Annotations = map[string]string{"team": "blue", apps.RevisionAnnotation: "9", "kubectl.kubernetes.io/last-applied-configuration": "{}"}
			rs := testRS("web-x", 0, 0).rs
			rs.Annotations = tt.annotations
			setNewReplicaSetAnnotations(d, rs, tt.revision, tt.exists)
			if diff := cmp.Diff(tt.want, rs.Annotations); diff != "" {
				t.Errorf("annotations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppendRevisionHistory(t *testing.T) {
	long := strings.Repeat("1234567,", 249) + "1234567" // 1999 characters
	tests := []struct{ history, add, want string }{
		{"", "1", "1"},
		{"1", "3", "1,3"},
		{long, "8", long[8:] + ",8"}, // the oldest entry makes room
	}
	for _, tt := range tests {
		got := appendRevisionHistory(tt.history, tt.add)
		if got != tt.want {
			t.Errorf("appendRevisionHistory(%.20q..., %q) = %.20q... (%d chars), want %.20q... (%d chars)", tt.history, tt.add, got, len(got), tt.want, len(tt.want))
		}
		if len(got) > maxRevisionHistoryChars {
			t.Errorf("history of %d characters, want at most %d", len(got), maxRevisionHistoryChars)
		}
	}
}

func TestFindNewReplicaSetPrefersOldest(t *testing.T) {
	d := testDeployment(3, "", "")
	a, b := newReplicaSetFor(d), newReplicaSetFor(d)
	a.Name, b.Name = "web-a", "web-b"
	a.UID, b.UID = "a", "b"
	a.CreationTimestamp = meta.NewTime(rolloutEpoch.Add(2e9))
	b.CreationTimestamp = meta.NewTime(rolloutEpoch)
	other := newReplicaSetFor(d)
	other.Spec.Template.Spec.Containers[0].Image = "web:0"
	other.Name, other.UID = "web-o", "o"
	newRS, old := splitReplicaSets(d, []*apps.ReplicaSet{a, other, b})
	if newRS == nil || newRS.Name != "web-b" {
		t.Fatalf("new ReplicaSet %v, want web-b (the oldest with the template)", newRS)
	}
	var names []string
	for _, rs := range old {
		names = append(names, rs.Name)
	}
	if diff := cmp.Diff([]string{"web-a", "web-o"}, names); diff != "" {
		t.Errorf("old ReplicaSets (-want +got):\n%s", diff)
	}
}
