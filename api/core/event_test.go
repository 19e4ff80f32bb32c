package core

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
)

func TestValidateEvent(t *testing.T) {
	now := meta.NowMicro()
	oldStyle := func() *Event {
		return &Event{
			ObjectMeta:     meta.ObjectMeta{Name: "web-1.17a", Namespace: "prod"},
			InvolvedObject: ObjectReference{Kind: "Pod", Namespace: "prod", Name: "web-1"},
			Reason:         "Scheduled", Type: EventTypeNormal, Count: 1,
		}
	}
	newStyle := func() *Event {
		e := oldStyle()
		e.EventTime = now
		e.ReportingController, e.ReportingInstance, e.Action = "wharf.io/scheduler", "scheduler-1", "Binding"
		return e
	}
	tests := []struct {
		name   string
		event  *Event
		mutate func(e *Event)
		want   []string
	}{
		{"old style", oldStyle(), func(e *Event) {}, nil},
		{"old style, node event in default", oldStyle(), func(e *Event) {
			e.Namespace, e.InvolvedObject = "default", ObjectReference{Kind: "Node", Name: "n1"}
		}, nil},
		{"old style, namespaces differ", oldStyle(), func(e *Event) { e.InvolvedObject.Namespace = "dev" },
			[]string{"FieldValueInvalid involvedObject.namespace"}},
		{"old style, cluster object outside default", oldStyle(), func(e *Event) { e.InvolvedObject = ObjectReference{Kind: "Node", Name: "n1"} },
			[]string{"FieldValueInvalid involvedObject.namespace"}},
		{"new style", newStyle(), func(e *Event) {}, nil},
		{"new style, missing reporting fields", newStyle(), func(e *Event) {
			e.ReportingController, e.ReportingInstance, e.Action, e.Reason = "", "", "", ""
		}, []string{"FieldValueRequired reportingComponent", "FieldValueRequired reportingInstance", "FieldValueRequired action", "FieldValueRequired reason"}},
		{"new style, long message", newStyle(), func(e *Event) { e.Message = strings.Repeat("x", 1025) },
			[]string{"FieldValueInvalid message"}},
		{"series", newStyle(), func(e *Event) { e.Series = &EventSeries{Count: 1} },
			[]string{"FieldValueInvalid series.count", "FieldValueRequired series.lastObservedTime"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.mutate(tt.event)
			if diff := cmp.Diff(tt.want, causesOf(ValidateEvent(tt.event))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEventFields(t *testing.T) {
	e := &Event{
		ObjectMeta:     meta.ObjectMeta{Name: "e", Namespace: "prod"},
		InvolvedObject: ObjectReference{Kind: "Pod", Namespace: "prod", Name: "web-1", UID: "u1", APIVersion: "v1", ResourceVersion: "9", FieldPath: "spec.containers{web}"},
		Reason:         "BackOff", Type: EventTypeWarning, ReportingController: "wharf.io/agent",
	}
	want := map[string]string{
		"metadata.name": "e", "metadata.namespace": "prod",
		"involvedObject.kind": "Pod", "involvedObject.namespace": "prod", "involvedObject.name": "web-1",
		"involvedObject.uid": "u1", "involvedObject.apiVersion": "v1", "involvedObject.resourceVersion": "9",
		"involvedObject.fieldPath": "spec.containers{web}",
		"reason":                   "BackOff", "type": "Warning",
		"reportingComponent": "wharf.io/agent", "source": "wharf.io/agent",
	}
	if diff := cmp.Diff(want, EventResource().FieldSet(e)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	e.Source.Component = "kubelet"
	if got := EventResource().FieldSet(e)["source"]; got != "kubelet" {
		t.Errorf("source = %q, want kubelet", got)
	}
}

func TestEventRow(t *testing.T) {
	ago := func(d time.Duration) meta.Time { return meta.NewTime(time.Now().Add(-d)) }
	tests := []struct {
		name  string
		event Event
		want  []any
	}{
		{
			name: "old style",
			event: Event{
				ObjectMeta:     meta.ObjectMeta{Name: "web-1.17a"},
				InvolvedObject: ObjectReference{Kind: "Pod", Name: "web-1", FieldPath: "spec.containers{web}"},
				Reason:         "BackOff", Message: "Back-off restarting failed container\n", Type: EventTypeWarning,
				Source:         EventSource{Component: "kubelet", Host: "n1"},
				FirstTimestamp: ago(2 * time.Hour), LastTimestamp: ago(5 * time.Minute), Count: 7,
			},
			want: []any{"5m", "Warning", "BackOff", "pod/web-1", "spec.containers{web}", "kubelet, n1",
				"Back-off restarting failed container", "120m", int64(7), "web-1.17a"},
		},
		{
			name: "new style with a series",
			event: Event{
				ObjectMeta:          meta.ObjectMeta{Name: "n"},
				InvolvedObject:      ObjectReference{Kind: "Node"},
				EventTime:           meta.MicroTime{Time: time.Now().Add(-3 * time.Hour)},
				Series:              &EventSeries{Count: 4, LastObservedTime: meta.MicroTime{Time: time.Now().Add(-30 * time.Minute)}},
				ReportingController: "wharf.io/controller", ReportingInstance: "c-1",
			},
			want: []any{"30m", "", "", "node", "", "wharf.io/controller, c-1", "", "3h", int64(4), "n"},
		},
		{
			name:  "zero",
			event: Event{},
			want:  []any{"<unknown>", "", "", "", "", "", "", "<unknown>", int64(1), ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, eventRow(&tt.event)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}
