package ctl

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wharf/wharf/api/table"
)

func describeNode(ctx context.Context, sess *session, w *describeWriter, o object) {
	w.write(0, "Name:\t%s\n", o.name())
	labels := o.stringMap("metadata", "labels")
	w.write(0, "Roles:\t%s\n", nodeRoles(labels))
	describeLabels(w, 0, "Labels", labels)
	describeAnnotations(w, 0, o.stringMap("metadata", "annotations"))
	w.write(0, "CreationTimestamp:\t%s\n", timestamp(o.str("metadata", "creationTimestamp")))
	w.write(0, "Taints:\t")
	taints := o.list("spec", "taints")
	if len(taints) == 0 {
		w.write(0, "<none>\n")
	}
	for i, t := range taints {
		if i > 0 {
			w.write(0, "\t")
		}
		s := t.str("key")
		if v := t.str("value"); v != "" {
			s += "=" + v
		}
		w.write(0, "%s:%s\n", s, t.str("effect"))
	}
	w.write(0, "Unschedulable:\t%s\n", boolText(o.get("spec", "unschedulable")))
	if conds := o.list("status", "conditions"); len(conds) > 0 {
		w.write(0, "Conditions:\n")
		w.write(1, "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
		w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
		for _, c := range conds {
			w.write(1, "%s \t%s \t%s \t%s \t%s \t%s\n", c.str("type"), c.str("status"),
				timestamp(c.str("lastHeartbeatTime")), timestamp(c.str("lastTransitionTime")), c.str("reason"), c.str("message"))
		}
	}
	w.write(0, "Addresses:\n")
	for _, a := range o.list("status", "addresses") {
		w.write(1, "%s:\t%s\n", a.str("type"), a.str("address"))
	}
	describeQuantities(w, "Capacity", o.stringMap("status", "capacity"))
	describeQuantities(w, "Allocatable", o.stringMap("status", "allocatable"))
	info := o.obj("status", "nodeInfo")
	w.write(0, "System Info:\n")
	for _, f := range []struct{ title, field string }{
		{"Machine ID", "machineID"},
		{"System UUID", "systemUUID"},
		{"Boot ID", "bootID"},
		{"Kernel Version", "kernelVersion"},
		{"OS Image", "osImage"},
		{"Operating System", "operatingSystem"},
		{"Architecture", "architecture"},
		{"Container Runtime Version", "containerRuntimeVersion"},
		{"Kubelet Version", "kubeletVersion"},
		{"Kube-Proxy Version", "kubeProxyVersion"},
	} {
		w.write(1, "%s:\t%s\n", f.title, info.str(f.field))
	}
	if cidr := o.str("spec", "podCIDR"); cidr != "" {
		w.write(0, "PodCIDR:\t%s\n", cidr)
	}
	if cidrs := o.strings("spec", "podCIDRs"); len(cidrs) > 0 {
		w.write(0, "PodCIDRs:\t%s\n", strings.Join(cidrs, ","))
	}
	describeNodePods(ctx, sess, w, o.name())
}

// nodeRoles reads the node-role.kubernetes.io/<role> labels.
func nodeRoles(labels map[string]string) string {
	var roles []string
	for k := range labels {
		if r, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok && r != "" {
			roles = append(roles, r)
		}
	}
	sort.Strings(roles)
	return table.Join(roles)
}

func describeQuantities(w *describeWriter, title string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	w.write(0, "%s:\n", title)
	for _, k := range sortedKeys(m) {
		w.write(1, "%s:\t%s\n", k, m[k])
	}
}

// describeNodePods lists the pods bound to the node that have not ended.
func describeNodePods(ctx context.Context, sess *session, w *describeWriter, node string) {
	res, err := sess.scheme.Lookup("pods")
	if err != nil {
		return
	}
	items, _, err := sess.listObjects(ctx, res, "", listQuery{fieldSelector: "spec.nodeName=" + node}, 0)
	if err != nil {
		return
	}
	var pods []object
	for _, it := range items {
		p, err := parseObject(it)
		if err != nil {
			continue
		}
		if ph := p.str("status", "phase"); ph == "Succeeded" || ph == "Failed" {
			continue
		}
		pods = append(pods, p)
	}
	w.write(0, "Non-terminated Pods:\t(%d in total)\n", len(pods))
	if len(pods) == 0 {
		return
	}
	now := time.Now()
	w.write(1, "Namespace\tName\tAge\n")
	w.write(1, "---------\t----\t---\n")
	for _, p := range pods {
		w.write(1, "%s\t%s\t%s\n", p.namespace(), p.name(), age(p.str("metadata", "creationTimestamp"), now))
	}
}

func describeService(ctx context.Context, sess *session, w *describeWriter, o object) {
	describeMeta(w, o, true)
	w.write(0, "Selector:\t%s\n", table.MapSelector(o.stringMap("spec", "selector")))
	typ := orDefault(o.str("spec", "type"), "ClusterIP")
	w.write(0, "Type:\t%s\n", typ)
	if p := o.str("spec", "ipFamilyPolicy"); p != "" {
		w.write(0, "IP Family Policy:\t%s\n", p)
	}
	if fams := o.strings("spec", "ipFamilies"); len(fams) > 0 {
		w.write(0, "IP Families:\t%s\n", strings.Join(fams, ","))
	}
	w.write(0, "IP:\t%s\n", orNone(o.str("spec", "clusterIP")))
	if ips := o.strings("spec", "clusterIPs"); len(ips) > 0 {
		w.write(0, "IPs:\t%s\n", strings.Join(ips, ","))
	}
	if ext := o.strings("spec", "externalIPs"); len(ext) > 0 {
		w.write(0, "External IPs:\t%s\n", strings.Join(ext, ","))
	}
	if name := o.str("spec", "externalName"); name != "" {
		w.write(0, "External Name:\t%s\n", name)
	}
	endpoints := serviceEndpoints(ctx, sess, o)
	ports := o.list("spec", "ports")
	for _, p := range ports {
		name := orDefault(p.str("name"), "<unset>")
		proto := orDefault(p.str("protocol"), "TCP")
		w.write(0, "Port:\t%s\t%d/%s\n", name, p.num("port"), proto)
		if tp := p.str("targetPort"); tp != "" {
			w.write(0, "TargetPort:\t%s/%s\n", tp, proto)
		}
		if np := p.num("nodePort"); np != 0 {
			w.write(0, "NodePort:\t%s\t%d/%s\n", name, np, proto)
		}
		if typ != "ExternalName" {
			w.write(0, "Endpoints:\t%s\n", orNone(endpoints(p.str("name"))))
		}
	}
	if len(ports) == 0 && typ != "ExternalName" {
		w.write(0, "Endpoints:\t%s\n", orNone(endpoints("")))
	}
	w.write(0, "Session Affinity:\t%s\n", orDefault(o.str("spec", "sessionAffinity"), "None"))
}

// serviceEndpoints reads the service's Endpoints object and returns, for a
// port name, its ready addresses as "ip:port,ip:port".
func serviceEndpoints(ctx context.Context, sess *session, svc object) func(port string) string {
	none := func(string) string { return "" }
	res, err := sess.scheme.Lookup("endpoints")
	if err != nil || res.Group != "" {
		return none
	}
	b, err := sess.getObject(ctx, res, svc.namespace(), svc.name())
	if err != nil {
		return none
	}
	ep, err := parseObject(b)
	if err != nil {
		return none
	}
	return func(port string) string {
		var addrs []string
		for _, subset := range ep.list("subsets") {
			for _, p := range subset.list("ports") {
				if p.str("name") != port {
					continue
				}
				for _, a := range subset.list("addresses") {
					addrs = append(addrs, fmt.Sprintf("%s:%d", a.str("ip"), p.num("port")))
				}
			}
		}
		return strings.Join(addrs, ",")
	}
}

func describeNamespace(_ context.Context, _ *session, w *describeWriter, o object) {
	w.write(0, "Name:\t%s\n", o.name())
	describeLabels(w, 0, "Labels", o.stringMap("metadata", "labels"))
	describeAnnotations(w, 0, o.stringMap("metadata", "annotations"))
	w.write(0, "Status:\t%s\n", orDefault(o.str("status", "phase"), "Active"))
	for _, c := range o.list("status", "conditions") {
		if c.str("status") == "True" {
			w.write(0, "Condition:\t%s: %s\n", c.str("type"), c.str("message"))
		}
	}
	w.write(0, "\n")
}
