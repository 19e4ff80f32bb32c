package ctl

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wharf/wharf/api/builtin"
)

func TestParseTargets(t *testing.T) {
	sch := builtin.Scheme()
	type want struct {
		Kind  string // kind.group
		Names []string
	}
	tests := []struct {
		name    string
		args    []string
		want    []want
		wantErr string
	}{
		{name: "a kind", args: []string{"po"}, want: []want{{"pod", nil}}},
		{name: "a kind and names", args: []string{"deployments.apps", "a", "b"}, want: []want{{"deployment.apps", []string{"a", "b"}}}},
		{name: "several kinds", args: []string{"pods,svc"}, want: []want{{"pod", nil}, {"service", nil}}},
		{name: "duplicates collapse", args: []string{"pods,po,pod"}, want: []want{{"pod", nil}}},
		{
			name: "kind/name, consecutive ones of a kind together",
			args: []string{"pod/a", "pods/b", "deploy/c", "pod/d"},
			want: []want{{"pod", []string{"a", "b"}}, {"deployment.apps", []string{"c"}}, {"pod", []string{"d"}}},
		},
		{name: "unknown kind", args: []string{"frobs"}, wantErr: `the server doesn't have a resource type "frobs"`},
		{name: "mixed forms", args: []string{"pods", "pod/a"}, wantErr: "there is no need to specify a resource type as a separate argument"},
		{name: "empty name", args: []string{"pod/"}, wantErr: "must have a single resource and name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := parseTargets(sch, "wharf get", tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, tg := range ts {
				got = append(got, want{kindName(tg.res), tg.names})
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("targets (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAllCategory(t *testing.T) {
	kinds, err := resolveKinds(builtin.Scheme(), "all")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range kinds {
		got = append(got, kindName(k))
	}
	if len(got) == 0 || got[0] != "pod" {
		t.Errorf("got %v, want pods first", got)
	}
	for _, k := range kinds {
		if k.Kind == "ConfigMap" || k.Kind == "Namespace" {
			t.Errorf("got %v, want no %s in all", got, k.Kind)
		}
	}
}
