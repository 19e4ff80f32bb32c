package ctl

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

func describePod(_ context.Context, _ *session, w *describeWriter, o object) {
	w.write(0, "Name:\t%s\n", o.name())
	w.write(0, "Namespace:\t%s\n", o.namespace())
	if o.has("spec", "priority") {
		w.write(0, "Priority:\t%d\n", o.num("spec", "priority"))
	}
	if pc := o.str("spec", "priorityClassName"); pc != "" {
		w.write(0, "Priority Class Name:\t%s\n", pc)
	}
	if sa := o.str("spec", "serviceAccountName"); sa != "" {
		w.write(0, "Service Account:\t%s\n", sa)
	}
	node := o.str("spec", "nodeName")
	if node == "" {
		w.write(0, "Node:\t<none>\n")
	} else {
		w.write(0, "Node:\t%s/%s\n", node, o.str("status", "hostIP"))
	}
	if st := o.str("status", "startTime"); st != "" {
		w.write(0, "Start Time:\t%s\n", timestamp(st))
	}
	describeLabels(w, 0, "Labels", o.stringMap("metadata", "labels"))
	describeAnnotations(w, 0, o.stringMap("metadata", "annotations"))
	if dt := o.str("metadata", "deletionTimestamp"); dt != "" {
		w.write(0, "Status:\tTerminating (lasts %s)\n", age(dt, time.Now()))
		if g := o.num("metadata", "deletionGracePeriodSeconds"); g > 0 {
			w.write(0, "Termination Grace Period:\t%ds\n", g)
		}
	} else {
		w.write(0, "Status:\t%s\n", o.str("status", "phase"))
	}
	if r := o.str("status", "reason"); r != "" {
		w.write(0, "Reason:\t%s\n", r)
	}
	if m := o.str("status", "message"); m != "" {
		w.write(0, "Message:\t%s\n", m)
	}
	w.write(0, "IP:\t%s\n", o.str("status", "podIP"))
	if ips := o.list("status", "podIPs"); len(ips) > 0 {
		w.write(0, "IPs:\n")
		for _, ip := range ips {
			w.write(1, "IP:\t%s\n", ip.str("ip"))
		}
	} else {
		w.write(0, "IPs:\t<none>\n")
	}
	if c := controlledBy(o); c != "" {
		w.write(0, "Controlled By:\t%s\n", c)
	}
	if ics := o.list("spec", "initContainers"); len(ics) > 0 {
		w.write(0, "Init Containers:\n")
		describeContainers(w, ics, statusesByName(o.list("status", "initContainerStatuses")), "")
	}
	w.write(0, "Containers:\n")
	describeContainers(w, o.list("spec", "containers"), statusesByName(o.list("status", "containerStatuses")), "")
	if conds := o.list("status", "conditions"); len(conds) > 0 {
		w.write(0, "Conditions:\n")
		w.write(1, "Type\tStatus\n")
		for _, c := range conds {
			w.write(1, "%s \t%s \n", c.str("type"), c.str("status"))
		}
	}
	describeVolumes(w, o.list("spec", "volumes"), "")
	if q := o.str("status", "qosClass"); q != "" {
		w.write(0, "QoS Class:\t%s\n", q)
	}
	describeLabels(w, 0, "Node-Selectors", o.stringMap("spec", "nodeSelector"))
	describeTolerations(w, o.list("spec", "tolerations"))
}

func statusesByName(l []object) map[string]object {
	m := make(map[string]object, len(l))
	for _, s := range l {
		m[s.str("name")] = s
	}
	return m
}

// describeContainers writes each container; statuses is nil for pod
// templates. space is an extra indent kubectl gives template containers.
func describeContainers(w *describeWriter, containers []object, statuses map[string]object, space string) {
	for _, c := range containers {
		w.write(1, "%s%s:\n", space, c.str("name"))
		st, hasStatus := statuses[c.str("name")]
		if hasStatus {
			w.write(2, "Container ID:\t%s\n", st.str("containerID"))
		}
		w.write(2, "Image:\t%s\n", c.str("image"))
		if hasStatus {
			w.write(2, "Image ID:\t%s\n", st.str("imageID"))
		}
		describePorts(w, c.list("ports"))
		describeList(w, "Command", c.strings("command"))
		describeList(w, "Args", c.strings("args"))
		if hasStatus {
			describeState(w, "State", st.obj("state"))
			if st.has("lastState") && len(st.obj("lastState")) > 0 {
				describeState(w, "Last State", st.obj("lastState"))
			}
			w.write(2, "Ready:\t%s\n", capitalize(st.str("ready")))
			w.write(2, "Restart Count:\t%d\n", st.num("restartCount"))
		}
		describeResourceList(w, "Limits", c.stringMap("resources", "limits"))
		describeResourceList(w, "Requests", c.stringMap("resources", "requests"))
		describeProbe(w, "Liveness", c.obj("livenessProbe"))
		describeProbe(w, "Readiness", c.obj("readinessProbe"))
		describeProbe(w, "Startup", c.obj("startupProbe"))
		describeEnv(w, c)
		describeMounts(w, c.list("volumeMounts"))
	}
}

func describePorts(w *describeWriter, ports []object) {
	var cps, hps []string
	for _, p := range ports {
		proto := p.str("protocol")
		if proto == "" {
			proto = "TCP"
		}
		port := fmt.Sprintf("%d/%s", p.num("containerPort"), proto)
		if n := p.str("name"); n != "" {
			port += " (" + n + ")"
		}
		cps = append(cps, port)
		hps = append(hps, fmt.Sprintf("%d/%s", p.num("hostPort"), proto))
	}
	switch len(cps) {
	case 0:
		w.write(2, "Port:\t<none>\n")
		w.write(2, "Host Port:\t<none>\n")
	case 1:
		w.write(2, "Port:\t%s\n", cps[0])
		w.write(2, "Host Port:\t%s\n", hps[0])
	default:
		w.write(2, "Ports:\t%s\n", strings.Join(cps, ", "))
		w.write(2, "Host Ports:\t%s\n", strings.Join(hps, ", "))
	}
}

func describeList(w *describeWriter, title string, l []string) {
	if len(l) == 0 {
		return
	}
	w.write(2, "%s:\n", title)
	for _, s := range l {
		for _, line := range strings.Split(s, "\n") {
			w.write(3, "%s\n", line)
		}
	}
}

// describeState writes a container state: Running, Waiting or Terminated
// with what each knows.
func describeState(w *describeWriter, title string, s object) {
	switch {
	case s.has("running"):
		w.write(2, "%s:\tRunning\n", title)
		w.write(3, "Started:\t%s\n", timestamp(s.str("running", "startedAt")))
	case s.has("waiting"):
		w.write(2, "%s:\tWaiting\n", title)
		if r := s.str("waiting", "reason"); r != "" {
			w.write(3, "Reason:\t%s\n", r)
		}
		if m := s.str("waiting", "message"); m != "" {
			w.write(3, "Message:\t%s\n", m)
		}
	case s.has("terminated"):
		t := s.obj("terminated")
		w.write(2, "%s:\tTerminated\n", title)
		if r := t.str("reason"); r != "" {
			w.write(3, "Reason:\t%s\n", r)
		}
		if m := t.str("message"); m != "" {
			w.write(3, "Message:\t%s\n", m)
		}
		w.write(3, "Exit Code:\t%d\n", t.num("exitCode"))
		if sig := t.num("signal"); sig > 0 {
			w.write(3, "Signal:\t%d\n", sig)
		}
		w.write(3, "Started:\t%s\n", timestamp(t.str("startedAt")))
		w.write(3, "Finished:\t%s\n", timestamp(t.str("finishedAt")))
	default:
		w.write(2, "%s:\tWaiting\n", title)
	}
}

func describeResourceList(w *describeWriter, title string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	w.write(2, "%s:\n", title)
	for _, k := range sortedKeys(m) {
		w.write(3, "%s:\t%s\n", k, m[k])
	}
}

// describeProbe writes a probe as kubectl abbreviates it:
// "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3".
func describeProbe(w *describeWriter, title string, p object) {
	if len(p) == 0 {
		return
	}
	var action string
	switch {
	case p.has("httpGet"):
		h := p.obj("httpGet")
		scheme := strings.ToLower(h.str("scheme"))
		if scheme == "" {
			scheme = "http"
		}
		action = fmt.Sprintf("http-get %s://%s:%s%s", scheme, h.str("host"), h.str("port"), h.str("path"))
	case p.has("tcpSocket"):
		action = fmt.Sprintf("tcp-socket %s:%s", p.str("tcpSocket", "host"), p.str("tcpSocket", "port"))
	case p.has("exec"):
		action = fmt.Sprintf("exec %v", p.strings("exec", "command"))
	case p.has("grpc"):
		action = fmt.Sprintf("grpc <pod>:%s %s", p.str("grpc", "port"), p.str("grpc", "service"))
	default:
		action = "unknown"
	}
	num := func(field string, def int64) int64 {
		if p.has(field) {
			return p.num(field)
		}
		return def
	}
	w.write(2, "%s:\t%s delay=%ds timeout=%ds period=%ds #success=%d #failure=%d\n", title, action,
		num("initialDelaySeconds", 0), num("timeoutSeconds", 1), num("periodSeconds", 10),
		num("successThreshold", 1), num("failureThreshold", 3))
}

func describeEnv(w *describeWriter, c object) {
	if from := c.list("envFrom"); len(from) > 0 {
		w.write(2, "Environment Variables from:\n")
		for _, f := range from {
			kind, ref := "ConfigMap", f.obj("configMapRef")
			if f.has("secretRef") {
				kind, ref = "Secret", f.obj("secretRef")
			}
			prefix := ""
			if p := f.str("prefix"); p != "" {
				prefix = " with prefix '" + p + "'"
			}
			w.write(3, "%s\t%s%s\tOptional: %s\n", ref.str("name"), kind, prefix, boolText(ref.get("optional")))
		}
	}
	env := c.list("env")
	if len(env) == 0 {
		w.write(2, "Environment:\t<none>\n")
		return
	}
	w.write(2, "Environment:\n")
	for _, e := range env {
		name := e.str("name")
		switch {
		case e.has("valueFrom", "fieldRef"):
			f := e.obj("valueFrom", "fieldRef")
			v := f.str("apiVersion")
			if v == "" {
				v = "v1"
			}
			w.write(3, "%s:\t (%s:%s)\n", name, v, f.str("fieldPath"))
		case e.has("valueFrom", "resourceFieldRef"):
			f := e.obj("valueFrom", "resourceFieldRef")
			w.write(3, "%s:\t%s (limits.%s)\n", name, f.str("containerName"), strings.TrimPrefix(strings.TrimPrefix(f.str("resource"), "limits."), "requests."))
		case e.has("valueFrom", "configMapKeyRef"):
			f := e.obj("valueFrom", "configMapKeyRef")
			w.write(3, "%s:\t<set to the key '%s' of config map '%s'>\tOptional: %s\n", name, f.str("key"), f.str("name"), boolText(f.get("optional")))
		case e.has("valueFrom", "secretKeyRef"):
			f := e.obj("valueFrom", "secretKeyRef")
			w.write(3, "%s:\t<set to the key '%s' in secret '%s'>\tOptional: %s\n", name, f.str("key"), f.str("name"), boolText(f.get("optional")))
		default:
			v := e.str("value")
			for i, line := range strings.Split(v, "\n") {
				if i == 0 {
					w.write(3, "%s:\t%s\n", name, line)
				} else {
					w.write(3, "\t%s\n", line)
				}
			}
		}
	}
}

func boolText(v any) string {
	if b, ok := v.(bool); ok && b {
		return "true"
	}
	return "false"
}

func describeMounts(w *describeWriter, mounts []object) {
	if len(mounts) == 0 {
		w.write(2, "Mounts:\t<none>\n")
		return
	}
	sort.SliceStable(mounts, func(i, j int) bool { return mounts[i].str("mountPath") < mounts[j].str("mountPath") })
	w.write(2, "Mounts:\n")
	for _, m := range mounts {
		mode := "rw"
		if m.get("readOnly") == true {
			mode = "ro"
		}
		sub := ""
		if p := m.str("subPath"); p != "" {
			sub = ", path = \"" + p + "\""
		}
		w.write(3, "%s from %s (%s%s)\n", m.str("mountPath"), m.str("name"), mode, sub)
	}
}

// describeVolumes writes a pod's volumes by source.
func describeVolumes(w *describeWriter, volumes []object, space string) {
	if len(volumes) == 0 {
		w.write(0, "%sVolumes:\t<none>\n", space)
		return
	}
	w.write(0, "%sVolumes:\n", space)
	for _, v := range volumes {
		w.write(1, "%s%s:\n", space, v.str("name"))
		switch {
		case v.has("emptyDir"):
			e := v.obj("emptyDir")
			w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n")
			w.write(2, "Medium:\t%s\n", e.str("medium"))
			limit := e.str("sizeLimit")
			if limit == "" {
				limit = "<unset>"
			}
			w.write(2, "SizeLimit:\t%s\n", limit)
		case v.has("hostPath"):
			h := v.obj("hostPath")
			w.write(2, "Type:\tHostPath (bare host directory volume)\n")
			w.write(2, "Path:\t%s\n", h.str("path"))
			w.write(2, "HostPathType:\t%s\n", h.str("type"))
		case v.has("configMap"):
			c := v.obj("configMap")
			w.write(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n")
			w.write(2, "Name:\t%s\n", c.str("name"))
			w.write(2, "Optional:\t%s\n", boolText(c.get("optional")))
		case v.has("secret"):
			s := v.obj("secret")
			w.write(2, "Type:\tSecret (a volume populated by a Secret)\n")
			w.write(2, "SecretName:\t%s\n", s.str("secretName"))
			w.write(2, "Optional:\t%s\n", boolText(s.get("optional")))
		case v.has("persistentVolumeClaim"):
			p := v.obj("persistentVolumeClaim")
			w.write(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n")
			w.write(2, "ClaimName:\t%s\n", p.str("claimName"))
			w.write(2, "ReadOnly:\t%s\n", boolText(p.get("readOnly")))
		default:
			for _, k := range sortedKeys(v) {
				if k != "name" {
					w.write(2, "Type:\t%s\n", capitalize(k))
					writeYAML(w, 2, v[k])
					break
				}
			}
		}
	}
}

func describeTolerations(w *describeWriter, tols []object) {
	w.write(0, "Tolerations:\t")
	if len(tols) == 0 {
		w.write(0, "<none>\n")
		return
	}
	for i, t := range tols {
		if i > 0 {
			w.write(0, "\t")
		}
		s := t.str("key")
		if v := t.str("value"); v != "" {
			s += "=" + v
		}
		if e := t.str("effect"); e != "" {
			s += ":" + e
		}
		// Exists without a value tolerates every value of the key, or
		// every taint when there is no key either.
		if t.str("operator") == "Exists" && t.str("value") == "" {
			if s != "" {
				s += " "
			}
			s += "op=Exists"
		}
		if t.has("tolerationSeconds") {
			s += fmt.Sprintf(" for %ds", t.num("tolerationSeconds"))
		}
		w.write(0, "%s\n", s)
	}
}

// describePodTemplate writes a workload's pod template, indented as
// kubectl does.
func describePodTemplate(w *describeWriter, t object) {
	w.write(0, "Pod Template:\n")
	describeLabels(w, 1, "Labels", t.stringMap("metadata", "labels"))
	if a := t.stringMap("metadata", "annotations"); len(a) > 0 {
		describeAnnotations(w, 1, a)
	}
	if sa := t.str("spec", "serviceAccountName"); sa != "" {
		w.write(1, "Service Account:\t%s\n", sa)
	}
	if ics := t.list("spec", "initContainers"); len(ics) > 0 {
		w.write(1, "Init Containers:\n")
		describeContainers(w, ics, nil, " ")
	}
	w.write(1, "Containers:\n")
	describeContainers(w, t.list("spec", "containers"), nil, " ")
	describeVolumes(w, t.list("spec", "volumes"), "  ")
	if ns := t.stringMap("spec", "nodeSelector"); len(ns) > 0 {
		describeLabels(w, 1, "Node-Selectors", ns)
	}
}
