package ctl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/labels"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
)

// findPod resolves POD or TYPE/NAME to one pod, as kubectl logs and exec
// do: a workload or Service gives its most alive pod.
func findPod(ctx context.Context, sess *session, s streams, arg string) (*core.Pod, error) {
	pods := client.For[core.Pod](sess.client)
	kind, name, slashed := strings.Cut(arg, "/")
	if !slashed {
		return pods.Get(ctx, sess.namespace, arg)
	}
	if kind == "" || name == "" {
		return nil, fmt.Errorf("arguments in resource/name form must have a single resource and name, not %q", arg)
	}
	res, err := sess.scheme.Lookup(kind)
	if err != nil {
		return nil, err
	}
	if res.Kind == "Pod" && res.Group == "" {
		return pods.Get(ctx, sess.namespace, name)
	}
	b, err := sess.getObject(ctx, res, sess.namespace, name)
	if err != nil {
		return nil, err
	}
	sel, err := podSelector(res, b)
	if err != nil {
		return nil, err
	}
	list, err := pods.List(ctx, sess.namespace, client.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, err
	}
	if len(list.Items) == 0 {
		return nil, fmt.Errorf("no pods of %s match its selector %s", objectName(res, name), sel)
	}
	best := &list.Items[0]
	for i := range list.Items[1:] {
		if p := &list.Items[i+1]; moreAlive(p, best) {
			best = p
		}
	}
	if len(list.Items) > 1 {
		fmt.Fprintf(s.errOut, "Found %d pods, using pod/%s\n", len(list.Items), best.Name)
	}
	return best, nil
}

// podSelector is the label selector of the pods an object runs, from its
// JSON: spec.selector, a label selector, or a Service's map of labels.
func podSelector(res *scheme.Resource, obj []byte) (string, error) {
	var spec struct {
		Spec struct {
			Selector json.RawMessage `json:"selector"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(obj, &spec); err != nil {
		return "", fmt.Errorf("decoding the %s: %w", res.Kind, err)
	}
	raw := spec.Spec.Selector
	none := fmt.Errorf("a %s without a selector runs no pods", res.Kind)
	if len(raw) == 0 || string(raw) == "null" {
		return "", none
	}
	if res.Kind == "Service" && res.Group == "" {
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			return "", none
		}
		return labels.SelectorFromSet(m).String(), nil
	}
	var ls meta.LabelSelector
	if err := json.Unmarshal(raw, &ls); err != nil {
		return "", none
	}
	sel, err := labels.FromLabelSelector(&ls)
	if err != nil {
		return "", fmt.Errorf("the selector of the %s: %w", res.Kind, err)
	}
	return sel.String(), nil
}

// moreAlive orders pods as kubectl picks one of many: placed on a node,
// then further along (Running over Unknown over Pending), ready, ready
// for longer, fewer restarts, older.
func moreAlive(a, b *core.Pod) bool {
	if (a.Spec.NodeName != "") != (b.Spec.NodeName != "") {
		return a.Spec.NodeName != ""
	}
	rank := map[core.PodPhase]int{core.PodPending: 0, core.PodUnknown: 1, core.PodRunning: 2}
	if ra, rb := rank[a.Status.Phase], rank[b.Status.Phase]; ra != rb {
		return ra > rb
	}
	if a.IsReady() != b.IsReady() {
		return a.IsReady()
	}
	if a.IsReady() {
		ta, tb := a.ReadySince(), b.ReadySince()
		if !ta.Equal(tb) {
			return !ta.IsZero() && (tb.IsZero() || ta.Before(tb))
		}
	}
	if ra, rb := a.MaxRestarts(), b.MaxRestarts(); ra != rb {
		return ra < rb
	}
	ca, cb := a.CreationTimestamp.Time, b.CreationTimestamp.Time
	if !ca.Equal(cb) {
		return ca.Before(cb)
	}
	return a.Name < b.Name
}

// defaultContainer picks the container of a pod when none is named, as
// kubectl does, and says so when the pod has others.
func defaultContainer(pod *core.Pod, warn io.Writer) (string, error) {
	has := func(name string) bool {
		return slices.ContainsFunc(pod.Spec.AllContainers(), func(c core.Container) bool { return c.Name == name })
	}
	if name := pod.Annotations[core.DefaultContainerAnnotation]; name != "" {
		if has(name) {
			return name, nil
		}
		fmt.Fprintf(warn, "Warning: default container name %q not found in pod %s\n", name, pod.Name)
	}
	if len(pod.Spec.Containers) == 0 {
		return "", fmt.Errorf("pod %s/%s does not have any containers", pod.Namespace, pod.Name)
	}
	first := pod.Spec.Containers[0].Name
	if len(pod.Spec.Containers) > 1 || len(pod.Spec.InitContainers) > 0 {
		var names []string
		for _, c := range pod.Spec.Containers {
			names = append(names, c.Name)
		}
		for _, c := range pod.Spec.InitContainers {
			names = append(names, c.Name+" (init)")
		}
		fmt.Fprintf(warn, "Defaulted container %q out of: %s\n", first, strings.Join(names, ", "))
	}
	return first, nil
}
