package apps

import (
	"strconv"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/table"
	"github.com/wharf/wharf/api/validate"
)

// ReplicaSetResource describes replica sets.
func ReplicaSetResource() *scheme.Resource {
	return &scheme.Resource{
		Group:      "apps",
		Version:    "v1",
		Kind:       "ReplicaSet",
		Plural:     "replicasets",
		Singular:   "replicaset",
		ShortNames: []string{"rs"},
		Categories: []string{"all"},
		Namespaced: true,
		HasStatus:  true,
		New:        func() meta.Object { return &ReplicaSet{} },
		Default:    func(obj meta.Object) { DefaultReplicaSet(obj.(*ReplicaSet)) },
		Validate:   func(obj meta.Object) validate.ErrorList { return ValidateReplicaSet(obj.(*ReplicaSet)) },
		ValidateUpdate: func(obj, old meta.Object) validate.ErrorList {
			return ValidateReplicaSetUpdate(obj.(*ReplicaSet), old.(*ReplicaSet))
		},
		PrepareForCreate: func(obj meta.Object) { prepareReplicaSetForCreate(obj.(*ReplicaSet)) },
		PrepareForUpdate: func(obj, old meta.Object) { prepareReplicaSetForUpdate(obj.(*ReplicaSet), old.(*ReplicaSet)) },
		Fields: func(obj meta.Object) map[string]string {
			return map[string]string{"status.replicas": strconv.Itoa(int(obj.(*ReplicaSet).Status.Replicas))}
		},
		Columns: []meta.TableColumnDefinition{
			table.NameColumn(),
			table.Column("Desired", table.TypeInteger, "Number of desired pods."),
			table.Column("Current", table.TypeInteger, "The most recently observed number of replicas."),
			table.Column("Ready", table.TypeInteger, "The number of ready replicas for this replica set."),
			table.AgeColumn(),
			table.Wide("Containers", table.TypeString, "Names of each container in the template."),
			table.Wide("Images", table.TypeString, "Images referenced by each container in the template."),
			table.Wide("Selector", table.TypeString, "Label query over pods that should match the replica count."),
		},
		Row: func(obj meta.Object) []any {
			rs := obj.(*ReplicaSet)
			containers, images := containerCells(&rs.Spec.Template.Spec)
			return []any{
				rs.Name,
				int64(derefInt32(rs.Spec.Replicas)),
				int64(rs.Status.Replicas),
				int64(rs.Status.ReadyReplicas),
				table.Age(rs.CreationTimestamp),
				containers,
				images,
				table.Selector(rs.Spec.Selector),
			}
		},
	}
}
