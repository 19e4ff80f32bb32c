package core

import (
	"fmt"
	"strings"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/table"
	"github.com/wharf/wharf/api/validate"
)

// Event reports something that happened to an object, for people reading
// `describe` (core/v1 Event).
type Event struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata,omitempty"`
	InvolvedObject  ObjectReference `json:"involvedObject"`
	// Reason is a short CamelCase word a machine can match (FailedScheduling).
	Reason  string      `json:"reason,omitempty"`
	Message string      `json:"message,omitempty"`
	Source  EventSource `json:"source,omitempty"`
	// FirstTimestamp and LastTimestamp bound the Count occurrences.
	FirstTimestamp meta.Time `json:"firstTimestamp,omitempty"`
	LastTimestamp  meta.Time `json:"lastTimestamp,omitempty"`
	Count          int32     `json:"count,omitempty"`
	Type           string    `json:"type,omitempty"`
	// EventTime is set by newer clients instead of the timestamps above,
	// and makes the reporting fields required.
	EventTime           meta.MicroTime   `json:"eventTime,omitempty"`
	Series              *EventSeries     `json:"series,omitempty"`
	Action              string           `json:"action,omitempty"`
	Related             *ObjectReference `json:"related,omitempty"`
	ReportingController string           `json:"reportingComponent"`
	ReportingInstance   string           `json:"reportingInstance"`
}

// Event types.
const (
	EventTypeNormal  = "Normal"
	EventTypeWarning = "Warning"
)

// EventSource names the component, and the host it runs on, that reported
// an event.
type EventSource struct {
	Component string `json:"component,omitempty"`
	Host      string `json:"host,omitempty"`
}

// EventSeries counts the repeats of an event reported the newer way.
type EventSeries struct {
	Count            int32          `json:"count,omitempty"`
	LastObservedTime meta.MicroTime `json:"lastObservedTime,omitempty"`
}

// Length limits of the fields of events reported the newer way.
const (
	eventReasonMax   = 128
	eventActionMax   = 128
	eventInstanceMax = 128
	eventMessageMax  = 1024
)

// ValidateEvent validates an event as core/v1 does. Old-style events (no
// eventTime) need only a namespace that agrees with the involved object's;
// new-style ones also need their reporting fields.
func ValidateEvent(e *Event) validate.ErrorList {
	var errs validate.ErrorList
	if e.Series != nil {
		sp := validate.NewPath("series")
		if e.Series.Count < 2 {
			errs = append(errs, validate.Invalid(sp.Child("count"), e.Series.Count, "should be at least 2"))
		}
		if e.Series.LastObservedTime.IsZero() {
			errs = append(errs, validate.Required(sp.Child("lastObservedTime"), ""))
		}
	}
	ns := validate.NewPath("involvedObject", "namespace")
	mismatch := validate.Invalid(ns, e.InvolvedObject.Namespace, "does not match event.namespace")
	if e.EventTime.IsZero() {
		// A cluster-scoped object's events live in "default" (or nowhere,
		// for very old clients).
		switch {
		case e.InvolvedObject.Namespace == "" && e.Namespace != "" && e.Namespace != "default":
			errs = append(errs, mismatch)
		case e.InvolvedObject.Namespace != "" && e.InvolvedObject.Namespace != e.Namespace:
			errs = append(errs, mismatch)
		}
		return errs
	}
	if e.InvolvedObject.Namespace == "" && e.Namespace != "default" && e.Namespace != "kube-system" {
		errs = append(errs, mismatch)
	}
	rc := validate.NewPath("reportingComponent")
	if e.ReportingController == "" {
		errs = append(errs, validate.Required(rc, ""))
	} else {
		for _, msg := range validate.QualifiedName(e.ReportingController) {
			errs = append(errs, validate.Invalid(rc, e.ReportingController, msg))
		}
	}
	errs = append(errs, eventText(e.ReportingInstance, eventInstanceMax, true, validate.NewPath("reportingInstance"))...)
	errs = append(errs, eventText(e.Action, eventActionMax, true, validate.NewPath("action"))...)
	errs = append(errs, eventText(e.Reason, eventReasonMax, true, validate.NewPath("reason"))...)
	errs = append(errs, eventText(e.Message, eventMessageMax, false, validate.NewPath("message"))...)
	return errs
}

func eventText(s string, max int, required bool, p *validate.Path) validate.ErrorList {
	switch {
	case s == "" && required:
		return validate.ErrorList{validate.Required(p, "")}
	case len(s) > max:
		return validate.ErrorList{validate.Invalid(p, "", fmt.Sprintf("can have at most %d characters", max))}
	}
	return nil
}

// eventSourceField is the "source" field selector's value: the reporting
// component, however it was reported.
func eventSourceField(e *Event) string {
	if e.Source.Component != "" {
		return e.Source.Component
	}
	return e.ReportingController
}

// EventResource describes core/v1 events.
func EventResource() *scheme.Resource {
	return &scheme.Resource{
		Version:    "v1",
		Kind:       "Event",
		Plural:     "events",
		Singular:   "event",
		ShortNames: []string{"ev"},
		Namespaced: true,
		New:        func() meta.Object { return &Event{} },
		Validate:   func(obj meta.Object) validate.ErrorList { return ValidateEvent(obj.(*Event)) },
		Fields: func(obj meta.Object) map[string]string {
			e := obj.(*Event)
			o := e.InvolvedObject
			return map[string]string{
				"involvedObject.kind":            o.Kind,
				"involvedObject.namespace":       o.Namespace,
				"involvedObject.name":            o.Name,
				"involvedObject.uid":             o.UID,
				"involvedObject.apiVersion":      o.APIVersion,
				"involvedObject.resourceVersion": o.ResourceVersion,
				"involvedObject.fieldPath":       o.FieldPath,
				"reason":                         e.Reason,
				"reportingComponent":             e.ReportingController,
				"source":                         eventSourceField(e),
				"type":                           e.Type,
			}
		},
		Columns: []meta.TableColumnDefinition{
			table.Column("Last Seen", table.TypeString, "The time at which the most recent occurrence of this event was recorded."),
			table.Column("Type", table.TypeString, "Type of this event (Normal, Warning)."),
			table.Column("Reason", table.TypeString, "A short, machine understandable string that gives the reason for this event."),
			table.Column("Object", table.TypeString, "The object that this event is about."),
			table.Wide("Subobject", table.TypeString, "The part of the object this event is about, such as one container."),
			table.Wide("Source", table.TypeString, "The component reporting this event."),
			table.Column("Message", table.TypeString, "A human-readable description of the status of this operation."),
			table.Wide("First Seen", table.TypeString, "The time at which the event was first recorded."),
			table.Wide("Count", table.TypeInteger, "The number of times this event has occurred."),
			{Name: "Name", Type: table.TypeString, Format: "name", Priority: 1, Description: "The name of the event."},
		},
		Row: eventRow,
	}
}

func eventRow(obj meta.Object) []any {
	e := obj.(*Event)
	first := table.Age(e.FirstTimestamp)
	if e.FirstTimestamp.IsZero() {
		first = table.Age(meta.Time{Time: e.EventTime.Time})
	}
	last := table.Age(e.LastTimestamp)
	if e.LastTimestamp.IsZero() {
		last = first
	}
	count := e.Count
	if e.Series != nil {
		last = table.Age(meta.Time{Time: e.Series.LastObservedTime.Time})
		count = e.Series.Count
	} else if count == 0 {
		// Events reported the newer way happen once unless they have a series.
		count = 1
	}
	object := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		object += "/" + e.InvolvedObject.Name
	}
	return []any{
		last,
		e.Type,
		e.Reason,
		object,
		e.InvolvedObject.FieldPath,
		eventSourceCell(e),
		strings.TrimSpace(e.Message),
		first,
		int64(count),
		e.Name,
	}
}

// eventSourceCell is "component, host", from whichever fields were reported.
func eventSourceCell(e *Event) string {
	component, host := e.Source.Component, e.Source.Host
	if component == "" {
		component = e.ReportingController
	}
	if host == "" {
		host = e.ReportingInstance
	}
	if host == "" {
		return component
	}
	return component + ", " + host
}
