package ctl

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/table"
)

func describeDeployment(ctx context.Context, sess *session, w *describeWriter, o object) {
	describeMeta(w, o, true)
	w.write(0, "Selector:\t%s\n", selectorText(o.get("spec", "selector")))
	desired := int64(1)
	if o.has("spec", "replicas") {
		desired = o.num("spec", "replicas")
	}
	w.write(0, "Replicas:\t%d desired | %d updated | %d total | %d available | %d unavailable\n",
		desired, o.num("status", "updatedReplicas"), o.num("status", "replicas"),
		o.num("status", "availableReplicas"), o.num("status", "unavailableReplicas"))
	strategy := o.str("spec", "strategy", "type")
	if strategy == "" {
		strategy = "RollingUpdate"
	}
	w.write(0, "StrategyType:\t%s\n", strategy)
	w.write(0, "MinReadySeconds:\t%d\n", o.num("spec", "minReadySeconds"))
	if strategy == "RollingUpdate" {
		ru := o.obj("spec", "strategy", "rollingUpdate")
		w.write(0, "RollingUpdateStrategy:\t%s max unavailable, %s max surge\n", orDefault(ru.str("maxUnavailable"), "25%"), orDefault(ru.str("maxSurge"), "25%"))
	}
	describePodTemplate(w, o.obj("spec", "template"))
	describeConditions(w, o.list("status", "conditions"))
	old, cur := deploymentReplicaSets(ctx, sess, o)
	w.write(0, "OldReplicaSets:\t%s\n", replicaSetsText(old))
	w.write(0, "NewReplicaSet:\t%s\n", replicaSetsText(cur))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// selectorText writes a structured label selector as kubectl does.
func selectorText(v any) string {
	b, err := json.Marshal(v)
	if err != nil || v == nil {
		return table.None
	}
	var s meta.LabelSelector
	if err := json.Unmarshal(b, &s); err != nil {
		return table.None
	}
	return table.Selector(&s)
}

// describeConditions writes a workload's conditions: Type Status Reason.
func describeConditions(w *describeWriter, conds []object) {
	if len(conds) == 0 {
		return
	}
	w.write(0, "Conditions:\n")
	w.write(1, "Type\tStatus\tReason\n")
	w.write(1, "----\t------\t------\n")
	for _, c := range conds {
		w.write(1, "%s \t%s\t%s\n", c.str("type"), c.str("status"), c.str("reason"))
	}
}

// deploymentReplicaSets returns the deployment's old replica sets that
// still have pods, and its new one: the one whose pod template is the
// deployment's (ignoring the pod-template-hash label controllers add).
func deploymentReplicaSets(ctx context.Context, sess *session, d object) (old, cur []object) {
	res, err := sess.scheme.Lookup("replicasets.apps")
	if err != nil {
		return nil, nil
	}
	sel := selectorText(d.get("spec", "selector"))
	if sel == table.None {
		return nil, nil
	}
	items, _, err := sess.listObjects(ctx, res, d.namespace(), listQuery{labelSelector: sel}, 0)
	if err != nil {
		return nil, nil
	}
	want := templateWithoutHash(d.obj("spec", "template"))
	for _, it := range items {
		rs, err := parseObject(it)
		if err != nil || !ownedBy(rs, d.uid()) {
			continue
		}
		switch {
		case cur == nil && reflect.DeepEqual(templateWithoutHash(rs.obj("spec", "template")), want):
			cur = []object{rs}
		case rs.num("spec", "replicas") != 0:
			old = append(old, rs)
		}
	}
	return old, cur
}

func templateWithoutHash(t object) object {
	b, _ := json.Marshal(t)
	c, _ := parseObject(b)
	if labels := c.obj("metadata", "labels"); labels != nil {
		delete(labels, "pod-template-hash")
		if len(labels) == 0 {
			delete(c.obj("metadata"), "labels")
		}
	}
	if m := c.obj("metadata"); m != nil && len(m) == 0 {
		delete(c, "metadata")
	}
	return c
}

func ownedBy(o object, uid string) bool {
	for _, r := range o.list("metadata", "ownerReferences") {
		if r.str("uid") == uid && r.get("controller") == true {
			return true
		}
	}
	return false
}

// replicaSetsText is "web-5d4f (3/3 replicas created), ..." or "<none>".
func replicaSetsText(rss []object) string {
	if len(rss) == 0 {
		return table.None
	}
	parts := make([]string, len(rss))
	for i, rs := range rss {
		parts[i] = fmt.Sprintf("%s (%d/%d replicas created)", rs.name(), rs.num("status", "replicas"), rs.num("spec", "replicas"))
	}
	return strings.Join(parts, ", ")
}

func describeReplicaSet(ctx context.Context, sess *session, w *describeWriter, o object) {
	w.write(0, "Name:\t%s\n", o.name())
	w.write(0, "Namespace:\t%s\n", o.namespace())
	w.write(0, "Selector:\t%s\n", selectorText(o.get("spec", "selector")))
	describeLabels(w, 0, "Labels", o.stringMap("metadata", "labels"))
	describeAnnotations(w, 0, o.stringMap("metadata", "annotations"))
	if c := controlledBy(o); c != "" {
		w.write(0, "Controlled By:\t%s\n", c)
	}
	desired := int64(1)
	if o.has("spec", "replicas") {
		desired = o.num("spec", "replicas")
	}
	w.write(0, "Replicas:\t%d current / %d desired\n", o.num("status", "replicas"), desired)
	running, waiting, succeeded, failed := podPhases(ctx, sess, o)
	w.write(0, "Pods Status:\t%d Running / %d Waiting / %d Succeeded / %d Failed\n", running, waiting, succeeded, failed)
	describePodTemplate(w, o.obj("spec", "template"))
	describeConditions(w, o.list("status", "conditions"))
}

// podPhases counts the pods a controller owns by phase.
func podPhases(ctx context.Context, sess *session, owner object) (running, waiting, succeeded, failed int) {
	res, err := sess.scheme.Lookup("pods")
	if err != nil {
		return
	}
	sel := selectorText(owner.get("spec", "selector"))
	if sel == table.None {
		return
	}
	items, _, err := sess.listObjects(ctx, res, owner.namespace(), listQuery{labelSelector: sel}, 0)
	if err != nil {
		return
	}
	for _, it := range items {
		p, err := parseObject(it)
		if err != nil || !ownedBy(p, owner.uid()) {
			continue
		}
		switch p.str("status", "phase") {
		case "Running":
			running++
		case "Pending":
			waiting++
		case "Succeeded":
			succeeded++
		case "Failed":
			failed++
		}
	}
	return
}
