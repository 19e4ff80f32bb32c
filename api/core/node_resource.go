package core

import (
	"sort"
	"strconv"
	"strings"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/table"
	"github.com/wharf/wharf/api/validate"
)

// Labels that give a node its ROLES column.
const (
	LabelNodeRolePrefix = "node-role.kubernetes.io/"
	LabelNodeRole       = "kubernetes.io/role"
)

// NodeResource describes nodes.
func NodeResource() *scheme.Resource {
	return &scheme.Resource{
		Version:    "v1",
		Kind:       "Node",
		Plural:     "nodes",
		Singular:   "node",
		ShortNames: []string{"no"},
		HasStatus:  true,
		New:        func() meta.Object { return &Node{} },
		Default:    func(obj meta.Object) { DefaultNode(obj.(*Node)) },
		Validate:   func(obj meta.Object) validate.ErrorList { return ValidateNode(obj.(*Node)) },
		ValidateUpdate: func(obj, old meta.Object) validate.ErrorList {
			return ValidateNodeUpdate(obj.(*Node), old.(*Node))
		},
		Fields: func(obj meta.Object) map[string]string {
			return map[string]string{"spec.unschedulable": strconv.FormatBool(obj.(*Node).Spec.Unschedulable)}
		},
		Columns: []meta.TableColumnDefinition{
			table.NameColumn(),
			table.Column("Status", table.TypeString, "The status of the node."),
			table.Column("Roles", table.TypeString, "The roles of the node."),
			table.AgeColumn(),
			table.Column("Version", table.TypeString, "Kubelet version reported by the node."),
			table.Wide("Internal-IP", table.TypeString, "List of internal IPs of the node."),
			table.Wide("External-IP", table.TypeString, "List of external IPs of the node."),
			table.Wide("OS-Image", table.TypeString, "OS image reported by the node."),
			table.Wide("Kernel-Version", table.TypeString, "Kernel version reported by the node."),
			table.Wide("Container-Runtime", table.TypeString, "Container runtime version reported by the node."),
		},
		Row: nodeRow,
	}
}

func nodeRow(obj meta.Object) []any {
	n := obj.(*Node)
	info := n.Status.NodeInfo
	return []any{
		n.Name,
		nodeStatus(n),
		table.Join(nodeRoles(n)),
		table.Age(n.CreationTimestamp),
		info.KubeletVersion,
		table.OrNone(n.Address(NodeInternalIP)),
		table.OrNone(n.Address(NodeExternalIP)),
		table.OrUnknown(info.OSImage),
		table.OrUnknown(info.KernelVersion),
		table.OrUnknown(info.ContainerRuntimeVersion),
	}
}

// nodeStatus is "Ready" or "NotReady" from the Ready condition, "Unknown"
// when there is none, with ",SchedulingDisabled" for a cordoned node.
func nodeStatus(n *Node) string {
	status := "Unknown"
	if c := n.Condition(NodeReady); c != nil {
		status = string(NodeReady)
		if c.Status != ConditionTrue {
			status = "Not" + status
		}
	}
	if n.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	return status
}

func nodeRoles(n *Node) []string {
	set := map[string]bool{}
	for k, v := range n.Labels {
		if role, ok := strings.CutPrefix(k, LabelNodeRolePrefix); ok && role != "" {
			set[role] = true
		} else if k == LabelNodeRole && v != "" {
			set[v] = true
		}
	}
	roles := make([]string, 0, len(set))
	for r := range set {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	return roles
}
