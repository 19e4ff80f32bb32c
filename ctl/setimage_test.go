package ctl

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/builtin"
)

func TestSplitImageArgs(t *testing.T) {
	tests := []struct {
		name          string
		args          []string
		wantResources []string
		wantImages    []imageUpdate
		wantErr       string
	}{
		{
			name:          "type and name, then images",
			args:          []string{"deployment", "web", "web=nginx:1.27", "side=envoy"},
			wantResources: []string{"deployment", "web"},
			wantImages:    []imageUpdate{{"web", "nginx:1.27"}, {"side", "envoy"}},
		},
		{
			name:          "every container",
			args:          []string{"ds/agent", "*=agent:2"},
			wantResources: []string{"ds/agent"},
			wantImages:    []imageUpdate{{"*", "agent:2"}},
		},
		{
			name:          "a container named twice gets the last image",
			args:          []string{"deploy/web", "web=a", "web=b"},
			wantResources: []string{"deploy/web"},
			wantImages:    []imageUpdate{{"web", "b"}},
		},
		{
			name:          "an image with a digest keeps its equals-free text",
			args:          []string{"deploy/web", "web=registry:5000/web@sha256:abc"},
			wantResources: []string{"deploy/web"},
			wantImages:    []imageUpdate{{"web", "registry:5000/web@sha256:abc"}},
		},
		{name: "resource after images", args: []string{"deploy/web", "web=a", "deploy/api"}, wantErr: "all resources must be specified before image changes: deploy/api"},
		{name: "no container", args: []string{"deploy/web", "=a"}, wantErr: `invalid image format: "=a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, images, err := splitImageArgs(tt.args)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantResources, res); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantImages, images, cmp.AllowUnexported(imageUpdate{})); diff != "" {
				t.Errorf("images (-want +got):\n%s", diff)
			}
		})
	}
}

// twoContainerDeployment is a stored deployment with an init container
// and two containers; its template has a null, as stored templates do.
const twoContainerDeployment = `{
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "web", "namespace": "default", "resourceVersion": "7", "generation": 1},
  "spec": {
    "replicas": 3,
    "selector": {"matchLabels": {"app": "web"}},
    "template": {
      "metadata": {"labels": {"app": "web"}, "creationTimestamp": null},
      "spec": {
        "initContainers": [{"name": "init", "image": "busybox:1"}],
        "containers": [{"name": "web", "image": "nginx:1", "ports": [{"containerPort": 80}]}, {"name": "side", "image": "envoy:1"}]
      }
    }
  },
  "status": {"replicas": 3}
}`

func TestSetImagePatch(t *testing.T) {
	sch := builtin.Scheme()
	deployments, err := sch.Lookup("deployments")
	if err != nil {
		t.Fatal(err)
	}
	configmaps, err := sch.Lookup("configmaps")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		ref         objectRef
		images      []imageUpdate
		want        string
		wantMissing []string
		wantErr     string
	}{
		{
			name:   "one container: only its image, with the order of the list",
			ref:    objectRef{deployments, "default", "web"},
			images: []imageUpdate{{"web", "nginx:2"}},
			want:   `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"side"}],"containers":[{"image":"nginx:2","name":"web"}]}}}}`,
		},
		{
			name:   "every container, init containers too",
			ref:    objectRef{deployments, "default", "web"},
			images: []imageUpdate{{"*", "all:1"}},
			want: `{"spec":{"template":{"spec":{` +
				`"$setElementOrder/containers":[{"name":"web"},{"name":"side"}],"$setElementOrder/initContainers":[{"name":"init"}],` +
				`"containers":[{"image":"all:1","name":"web"},{"image":"all:1","name":"side"}],"initContainers":[{"image":"all:1","name":"init"}]}}}}`,
		},
		{
			name:   "the same image: no change",
			ref:    objectRef{deployments, "default", "web"},
			images: []imageUpdate{{"web", "nginx:1"}},
			want:   `{}`,
		},
		{
			name:        "a missing container is reported, the others still set",
			ref:         objectRef{deployments, "default", "web"},
			images:      []imageUpdate{{"nope", "x"}, {"side", "envoy:2"}},
			want:        `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"side"}],"containers":[{"image":"envoy:2","name":"side"}]}}}}`,
			wantMissing: []string{`unable to find container named "nope"`},
		},
		{
			name:    "a kind without pods",
			ref:     objectRef{configmaps, "default", "web"},
			images:  []imageUpdate{{"web", "x"}},
			wantErr: `configmaps "web" the object is not a pod or does not have a pod template: ConfigMap`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var missing []string
			p, err := mutationPatch(tt.ref, []byte(twoContainerDeployment), func(ref objectRef, o object) error {
				spec, err := podSpecOf(ref, o)
				if err != nil {
					return err
				}
				for _, e := range setImages(spec, tt.images) {
					missing = append(missing, e.Error())
				}
				return nil
			})
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertJSONEqual(t, string(p), tt.want)
			if diff := cmp.Diff(tt.wantMissing, missing); diff != "" {
				t.Errorf("missing containers (-want +got):\n%s", diff)
			}
		})
	}
}

// assertJSONEqual compares two JSON texts as values.
func assertJSONEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want invalid JSON %s: %v", want, err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("got %s, want %s; (-want +got):\n%s", got, want, diff)
	}
}
