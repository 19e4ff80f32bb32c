package framework

import (
	"fmt"
	"testing"
)

func TestDiagnosisMessage(t *testing.T) {
	const unreachable Reason = "node(s) had untolerated taint {node.kubernetes.io/unreachable: }"
	for _, tc := range []struct {
		name string
		d    Diagnosis
		want string
	}{
		{
			name: "counted and sorted as strings, as kube-scheduler does",
			d: Diagnosis{NumAllNodes: 5, NodeReasons: map[string][]Reason{
				"n1": {"Insufficient cpu"}, "n2": {"Insufficient cpu"}, "n3": {"Insufficient cpu"},
				"n4": {unreachable}, "n5": {unreachable},
			}},
			want: "0/5 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 Insufficient cpu.",
		},
		{
			name: "a node short of two resources counts for both",
			d: Diagnosis{NumAllNodes: 2, NodeReasons: map[string][]Reason{
				"n1": {"Insufficient cpu", "Insufficient memory"}, "n2": {"Insufficient memory"},
			}},
			want: "0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.",
		},
		{
			name: "counts sort as strings: 10 before 9",
			d:    tenAndNine(),
			want: "0/19 nodes are available: 10 node(s) were unschedulable, 9 Too many pods.",
		},
		{name: "no nodes", d: Diagnosis{}, want: "no nodes available to schedule pods"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.Message(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if got := (&FitError{Diagnosis: tc.d}).Error(); got != tc.want {
				t.Errorf("FitError: got %q, want %q", got, tc.want)
			}
		})
	}
}

func tenAndNine() Diagnosis {
	d := Diagnosis{NumAllNodes: 19, NodeReasons: map[string][]Reason{}}
	for i := range 19 {
		r := Reason("Too many pods")
		if i < 10 {
			r = "node(s) were unschedulable"
		}
		d.NodeReasons[fmt.Sprint("n", i)] = []Reason{r}
	}
	return d
}

func TestNormalizeToMax(t *testing.T) {
	for _, tc := range []struct {
		in      []int64
		reverse bool
		want    []int64
	}{
		{[]int64{0, 5, 10}, false, []int64{0, 50, 100}},
		{[]int64{0, 5, 10}, true, []int64{100, 50, 0}},
		{[]int64{0, 0}, false, []int64{0, 0}},
		{[]int64{0, 0}, true, []int64{100, 100}},
	} {
		got := append([]int64(nil), tc.in...)
		NormalizeToMax(got, tc.reverse)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("NormalizeToMax(%v, %v): got %v, want %v", tc.in, tc.reverse, got, tc.want)
		}
	}
}
