package plugins

import (
	"strings"
	"testing"

	"github.com/wharf/wharf/scheduler/framework"
)

func TestDefaultPluginSetBuilds(t *testing.T) {
	p, err := framework.NewProfile(NewRegistry(), DefaultPluginSet())
	if err != nil {
		t.Fatalf("default profile: %v", err)
	}
	if got, want := len(p.Filters), 5; got != want {
		t.Errorf("filters: got %d, want %d", got, want)
	}
	if got, want := len(p.Scores), 5; got != want {
		t.Errorf("scorers: got %d, want %d", got, want)
	}
	for name, f := range NewRegistry() {
		if got := f().Name(); got != name {
			t.Errorf("plugin registered as %q calls itself %q", name, got)
		}
	}
}

func TestNewProfileRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  framework.PluginSet
		want string
	}{
		{"unknown", framework.PluginSet{Filters: []string{"Nope"}}, `plugin "Nope" is not registered`},
		{"scorer as filter", framework.PluginSet{Filters: []string{SelectorSpreadName}}, `plugin "SelectorSpread" is not a filter`},
		{"filter as scorer", framework.PluginSet{Scores: []framework.WeightedName{{Name: NodePortsName, Weight: 1}}}, `plugin "NodePorts" is not a scorer`},
		{"zero weight", framework.PluginSet{Scores: []framework.WeightedName{{Name: SelectorSpreadName}}}, `weight 0 must be positive`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := framework.NewProfile(NewRegistry(), tc.set)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestProfileFilterStopsAtFirstRejection(t *testing.T) {
	p, err := framework.NewProfile(NewRegistry(), DefaultPluginSet())
	if err != nil {
		t.Fatal(err)
	}
	// Tainted and too small: the taint filter runs first and is the one reported.
	node := testNode("n").taint("dedicated", "db", "NoSchedule").alloc("1", "1Gi", "10").info()
	got := p.Filter(testPod("p").req("2", "2Gi").info(), node)
	if len(got) != 1 || got[0] != "node(s) had untolerated taint {dedicated: db}" {
		t.Errorf("got %q, want only the taint", got)
	}
}
