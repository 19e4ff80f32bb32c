package containerenv

import (
	"fmt"
	"strconv"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/resource"
)

// resourceValue reads a request or limit of c, or of the pod's container
// named by sel.ContainerName, in units of sel.Divisor rounded up: 500m of
// cpu with divisor 1 is "1", as Kubernetes reports it.
func resourceValue(pod *core.Pod, c *core.Container, sel *core.ResourceFieldSelector, opts Options) (string, error) {
	if sel.ContainerName != "" && sel.ContainerName != c.Name {
		c = findContainer(pod, sel.ContainerName)
		if c == nil {
			return "", configError(nil, fmt.Sprintf("container %s not found", sel.ContainerName))
		}
	}
	divisor := sel.Divisor
	if divisor.IsZero() {
		divisor = *resource.NewQuantity(1, resource.DecimalSI)
	}
	var (
		amount resource.Quantity
		name   core.ResourceName
	)
	switch sel.Resource {
	case "limits.cpu", "limits.memory", "limits.ephemeral-storage":
		name = core.ResourceName(sel.Resource[len("limits."):])
		amount = limit(c, name, opts)
	case "requests.cpu", "requests.memory", "requests.ephemeral-storage":
		name = core.ResourceName(sel.Resource[len("requests."):])
		amount = c.Resources.Requests[name]
	default:
		return "", configError(nil, fmt.Sprintf("unsupported container resource: %v", sel.Resource))
	}
	// cpu counts in millicores so that a divisor of 1m works; the others
	// count in whole units (bytes).
	n, d := amount.Value(), divisor.Value()
	if name == core.ResourceCPU {
		n, d = amount.MilliValue(), divisor.MilliValue()
	}
	if d <= 0 {
		return "", configError(nil, fmt.Sprintf("invalid divisor %s for %s", sel.Divisor.String(), sel.Resource))
	}
	return strconv.FormatInt(ceilDiv(n, d), 10), nil
}

// limit is c's limit of name, or, when unset, the node's allocatable
// amount, which is what actually bounds the container.
func limit(c *core.Container, name core.ResourceName, opts Options) resource.Quantity {
	if q, ok := c.Resources.Limits[name]; ok {
		return q
	}
	return opts.NodeAllocatable[name]
}

func findContainer(pod *core.Pod, name string) *core.Container {
	for _, cs := range [][]core.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for i := range cs {
			if cs[i].Name == name {
				return &cs[i]
			}
		}
	}
	return nil
}

// ceilDiv divides rounding towards positive infinity, as math.Ceil does in
// the kubelet, without going through float64.
func ceilDiv(n, d int64) int64 {
	q := n / d
	if n%d != 0 && (n < 0) == (d < 0) {
		q++
	}
	return q
}
