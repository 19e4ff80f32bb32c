package apps

import (
	"fmt"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/table"
	"github.com/wharf/wharf/api/validate"
)

// DeploymentResource describes deployments.
func DeploymentResource() *scheme.Resource {
	return &scheme.Resource{
		Group:      "apps",
		Version:    "v1",
		Kind:       "Deployment",
		Plural:     "deployments",
		Singular:   "deployment",
		ShortNames: []string{"deploy"},
		Categories: []string{"all"},
		Namespaced: true,
		HasStatus:  true,
		New:        func() meta.Object { return &Deployment{} },
		Default:    func(obj meta.Object) { DefaultDeployment(obj.(*Deployment)) },
		Validate:   func(obj meta.Object) validate.ErrorList { return ValidateDeployment(obj.(*Deployment)) },
		ValidateUpdate: func(obj, old meta.Object) validate.ErrorList {
			return ValidateDeploymentUpdate(obj.(*Deployment), old.(*Deployment))
		},
		PrepareForCreate: func(obj meta.Object) { prepareDeploymentForCreate(obj.(*Deployment)) },
		PrepareForUpdate: func(obj, old meta.Object) { prepareDeploymentForUpdate(obj.(*Deployment), old.(*Deployment)) },
		Columns: []meta.TableColumnDefinition{
			table.NameColumn(),
			table.Column("Ready", table.TypeString, "Number of the pods that are ready, out of the desired number."),
			table.Column("Up-to-date", table.TypeInteger, "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
			table.Column("Available", table.TypeInteger, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
			table.AgeColumn(),
			table.Wide("Containers", table.TypeString, "Names of each container in the template."),
			table.Wide("Images", table.TypeString, "Images referenced by each container in the template."),
			table.Wide("Selector", table.TypeString, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment."),
		},
		Row: func(obj meta.Object) []any {
			d := obj.(*Deployment)
			containers, images := containerCells(&d.Spec.Template.Spec)
			return []any{
				d.Name,
				fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, derefInt32(d.Spec.Replicas)),
				int64(d.Status.UpdatedReplicas),
				int64(d.Status.AvailableReplicas),
				table.Age(d.CreationTimestamp),
				containers,
				images,
				table.Selector(d.Spec.Selector),
			}
		},
	}
}
