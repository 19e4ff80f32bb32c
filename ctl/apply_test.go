package ctl

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
)

var (
	namespacedKind = &scheme.Resource{Version: "v1", Kind: "ConfigMap", Plural: "configmaps", Namespaced: true}
	clusterKind    = &scheme.Resource{Version: "v1", Kind: "Namespace", Plural: "namespaces"}
)

func TestTargetNamespace(t *testing.T) {
	tests := []struct {
		name       string
		res        *scheme.Resource
		manifestNS string
		namespace  string
		explicit   bool
		want       string
		wantErr    string
	}{
		{name: "manifest namespace wins over the context's", res: namespacedKind, manifestNS: "team", namespace: "default", want: "team"},
		{name: "no manifest namespace: the command's", res: namespacedKind, namespace: "dev", explicit: true, want: "dev"},
		{name: "agreeing -n is fine", res: namespacedKind, manifestNS: "team", namespace: "team", explicit: true, want: "team"},
		{
			name: "conflicting -n is an error", res: namespacedKind, manifestNS: "team", namespace: "dev", explicit: true,
			wantErr: `the namespace from the provided object "team" does not match the namespace "dev". You must pass '--namespace=team' to perform this operation.`,
		},
		{name: "cluster-scoped kinds have none", res: clusterKind, manifestNS: "team", namespace: "dev", explicit: true, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := targetNamespace(tt.res, tt.manifestNS, tt.namespace, tt.explicit)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWithLastApplied(t *testing.T) {
	tests := []struct {
		name     string
		res      *scheme.Resource
		ns       string
		manifest string
		wantLast string
		wantAnn  map[string]string
	}{
		{
			name:     "compact, sorted, namespace filled in, newline-terminated",
			res:      namespacedKind,
			ns:       "team",
			manifest: `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cfg"},"data":{"b":"2","a":"1"}}`,
			wantLast: `{"apiVersion":"v1","data":{"a":"1","b":"2"},"kind":"ConfigMap","metadata":{"name":"cfg","namespace":"team"}}` + "\n",
		},
		{
			name:     "the annotation itself is left out, others kept",
			res:      namespacedKind,
			ns:       "team",
			manifest: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","annotations":{"owner":"me","kubectl.kubernetes.io/last-applied-configuration":"old"}}}`,
			wantLast: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"annotations":{"owner":"me"},"name":"cfg","namespace":"team"}}` + "\n",
			wantAnn:  map[string]string{"owner": "me"},
		},
		{
			name:     "cluster-scoped: no namespace; numbers kept exact",
			res:      clusterKind,
			manifest: `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team","namespace":"x"},"spec":{"n":12345678901234567}}`,
			wantLast: `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"},"spec":{"n":12345678901234567}}` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := withLastApplied([]byte(tt.manifest), tt.res, tt.ns)
			if err != nil {
				t.Fatal(err)
			}
			var obj struct {
				Metadata meta.ObjectMeta `json:"metadata"`
			}
			if err := json.Unmarshal(b, &obj); err != nil {
				t.Fatal(err)
			}
			ann := obj.Metadata.Annotations
			if got := ann[lastAppliedAnnotation]; got != tt.wantLast {
				t.Errorf("last-applied:\ngot  %q\nwant %q", got, tt.wantLast)
			}
			delete(ann, lastAppliedAnnotation)
			if diff := cmp.Diff(tt.wantAnn, ann, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("other annotations (-want +got):\n%s", diff)
			}
			if !strings.Contains(string(b), "12345678901234567") && strings.Contains(tt.manifest, "12345678901234567") {
				t.Errorf("got %s, want the large number kept exact", b)
			}
		})
	}
}

func TestNamespacesFirst(t *testing.T) {
	ms := []manifest{
		{TypeMeta: meta.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, name: "a"},
		{TypeMeta: meta.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, name: "ns1"},
		{TypeMeta: meta.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, name: "b"},
		{TypeMeta: meta.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, name: "ns2"},
		{TypeMeta: meta.TypeMeta{APIVersion: "v1", Kind: "Secret"}, name: "c"},
	}
	var got []string
	for _, m := range namespacesFirst(ms) {
		got = append(got, m.name)
	}
	if diff := cmp.Diff([]string{"ns1", "ns2", "a", "b", "c"}, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if ms[0].name != "a" {
		t.Errorf("got input reordered (%q first), want it untouched", ms[0].name)
	}
}
