package apps

import (
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/table"
	"github.com/wharf/wharf/api/validate"
)

// DaemonSetResource describes daemon sets.
func DaemonSetResource() *scheme.Resource {
	return &scheme.Resource{
		Group:      "apps",
		Version:    "v1",
		Kind:       "DaemonSet",
		Plural:     "daemonsets",
		Singular:   "daemonset",
		ShortNames: []string{"ds"},
		Categories: []string{"all"},
		Namespaced: true,
		HasStatus:  true,
		New:        func() meta.Object { return &DaemonSet{} },
		Default:    func(obj meta.Object) { DefaultDaemonSet(obj.(*DaemonSet)) },
		Validate:   func(obj meta.Object) validate.ErrorList { return ValidateDaemonSet(obj.(*DaemonSet)) },
		ValidateUpdate: func(obj, old meta.Object) validate.ErrorList {
			return ValidateDaemonSetUpdate(obj.(*DaemonSet), old.(*DaemonSet))
		},
		PrepareForCreate: func(obj meta.Object) { prepareDaemonSetForCreate(obj.(*DaemonSet)) },
		PrepareForUpdate: func(obj, old meta.Object) { prepareDaemonSetForUpdate(obj.(*DaemonSet), old.(*DaemonSet)) },
		Columns: []meta.TableColumnDefinition{
			table.NameColumn(),
			table.Column("Desired", table.TypeInteger, "The total number of nodes that should be running the daemon pod."),
			table.Column("Current", table.TypeInteger, "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
			table.Column("Ready", table.TypeInteger, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
			table.Column("Up-to-date", table.TypeInteger, "The total number of nodes that are running updated daemon pod."),
			table.Column("Available", table.TypeInteger, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least minReadySeconds)."),
			table.Column("Node Selector", table.TypeString, "The node labels the template's pods must match to run on a node."),
			table.AgeColumn(),
			table.Wide("Containers", table.TypeString, "Names of each container in the template."),
			table.Wide("Images", table.TypeString, "Images referenced by each container in the template."),
			table.Wide("Selector", table.TypeString, "A label query over pods that are managed by the daemon set."),
		},
		Row: func(obj meta.Object) []any {
			ds := obj.(*DaemonSet)
			containers, images := containerCells(&ds.Spec.Template.Spec)
			s := ds.Status
			return []any{
				ds.Name,
				int64(s.DesiredNumberScheduled),
				int64(s.CurrentNumberScheduled),
				int64(s.NumberReady),
				int64(s.UpdatedNumberScheduled),
				int64(s.NumberAvailable),
				table.MapSelector(ds.Spec.Template.Spec.NodeSelector),
				table.Age(ds.CreationTimestamp),
				containers,
				images,
				table.Selector(ds.Spec.Selector),
			}
		},
	}
}
