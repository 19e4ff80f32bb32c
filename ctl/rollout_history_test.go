package ctl

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wharf/wharf/api/apps"
)

// replicaSetFixture builds replica sets (as the CLI reads them: JSON
// objects) of a deployment "web" with one container "web".
type replicaSetFixture struct{ o object }

func revisionRS(name, revision, image string) *replicaSetFixture {
	o := object{}
	setField(o, "apps/v1", "apiVersion")
	setField(o, "ReplicaSet", "kind")
	setField(o, name, "metadata", "name")
	if revision != "" {
		setField(o, revision, "metadata", "annotations", apps.RevisionAnnotation)
	}
	setField(o, "web", "spec", "template", "metadata", "labels", "app")
	setField(o, strings.TrimPrefix(name, "web-"), "spec", "template", "metadata", "labels", apps.PodTemplateHashLabel)
	setField(o, []any{map[string]any{"name": "web", "image": image}}, "spec", "template", "spec", "containers")
	return &replicaSetFixture{o}
}

func (f *replicaSetFixture) annotate(k, v string) *replicaSetFixture {
	setField(f.o, v, "metadata", "annotations", k)
	return f
}

// build returns the object as parsed from JSON, as the server's replies are.
func (f *replicaSetFixture) build(t *testing.T) object {
	t.Helper()
	b, err := json.Marshal(f.o)
	if err != nil {
		t.Fatal(err)
	}
	o, err := parseObject(b)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestHistoryText(t *testing.T) {
	rss := []object{
		revisionRS("web-c", "3", "nginx:3").annotate(apps.ChangeCauseAnnotation, "set image to nginx:3").build(t),
		revisionRS("web-a", "1", "nginx:1").build(t),
		revisionRS("web-x", "garbage", "nginx:x").build(t),
		revisionRS("web-b", "10", "nginx:10").build(t),
	}
	t.Run("table ordered by revision", func(t *testing.T) {
		got, err := historyText(rss, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := "REVISION  CHANGE-CAUSE\n" +
			"1         <none>\n" +
			"3         set image to nginx:3\n" +
			"10        <none>\n"
		if got != want {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("one revision's template", func(t *testing.T) {
		got, err := historyText(rss, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Pod Template:\n", "app=web", "pod-template-hash=c", "kubernetes.io/change-cause: set image to nginx:3", "Image:", "nginx:3"} {
			if !strings.Contains(got, want) {
				t.Errorf("got:\n%s\nwant it to contain %q", got, want)
			}
		}
	})
	t.Run("missing revision", func(t *testing.T) {
		if _, err := historyText(rss, 2); err == nil || err.Error() != "unable to find the specified revision" {
			t.Errorf("got error %v, want %q", err, "unable to find the specified revision")
		}
	})
	t.Run("no replica sets", func(t *testing.T) {
		if got, err := historyText(nil, 0); err != nil || got != "No rollout history found." {
			t.Errorf("got (%q, %v), want %q", got, err, "No rollout history found.")
		}
	})
	t.Run("no annotation is revision 0", func(t *testing.T) {
		got, err := historyText([]object{revisionRS("web-z", "", "nginx").build(t)}, 0)
		if want := "REVISION  CHANGE-CAUSE\n0         <none>\n"; err != nil || got != want {
			t.Errorf("got (%q, %v), want %q", got, err, want)
		}
	})
}

func TestRevisionToRollBack(t *testing.T) {
	rss := []object{
		revisionRS("web-b", "2", "nginx:2").build(t),
		revisionRS("web-d", "4", "nginx:4").build(t),
		revisionRS("web-x", "nope", "nginx:x").build(t),
		revisionRS("web-a", "1", "nginx:1").build(t),
		revisionRS("web-c", "3", "nginx:3").build(t),
	}
	tests := []struct {
		name       string
		rss        []object
		toRevision int64
		want       string
		wantErr    string
	}{
		{name: "default is the one before the latest", rss: rss, want: "web-c"},
		{name: "an explicit revision", rss: rss, toRevision: 1, want: "web-a"},
		{name: "the latest itself", rss: rss, toRevision: 4, want: "web-d"},
		{name: "an unknown revision", rss: rss, toRevision: 7, wantErr: "unable to find specified revision 7 in history"},
		{name: "only one revision", rss: rss[1:2], wantErr: `no rollout history found for deployment "web"`},
		{name: "no replica sets", wantErr: `no rollout history found for deployment "web"`},
		{
			name: "latest first in the list",
			rss:  []object{revisionRS("web-e", "5", "x").build(t), revisionRS("web-d", "4", "x").build(t), revisionRS("web-a", "1", "x").build(t)},
			want: "web-d",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := revisionToRollBack(tt.rss, tt.toRevision, "web")
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want %s", err, tt.want)
			}
			if got.name() != tt.want {
				t.Errorf("got %s, want %s", got.name(), tt.want)
			}
		})
	}
}
