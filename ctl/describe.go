package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/table"
)

type describeOptions struct {
	selector      string
	allNamespaces bool
	showEvents    bool
	chunkSize     int64
}

func newDescribeCommand(g *globalOptions, s streams) *cobra.Command {
	o := &describeOptions{}
	cmd := &cobra.Command{
		Use:   "describe TYPE [NAME_PREFIX...] | TYPE/NAME...",
		Short: "Show details of a resource or group of resources",
		Long: `Show the details of objects: their metadata, what their kind makes worth
knowing (a pod's containers, a deployment's replicas and replica sets, a
node's capacity) and the events recorded about them.

A NAME that matches no object exactly describes every object whose name
begins with it, so 'wharf describe pods web' shows the pods of deployment web.`,
		Example: `  wharf describe pod web-7d9c5
  wharf describe deployments -l app=web
  wharf describe node/worker-1`,
		RunE: func(cmd *cobra.Command, args []string) error {
			sess, err := g.connect()
			if err != nil {
				return err
			}
			return o.run(cmd.Context(), sess, s, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.selector, "selector", "l", "", "label selector to filter on")
	f.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "describe the objects of every namespace")
	f.BoolVar(&o.showEvents, "show-events", true, "show the events about each object")
	f.Int64Var(&o.chunkSize, "chunk-size", 500, "list large collections in pages of this many objects (0: in one request)")
	return cmd
}

func (o *describeOptions) run(ctx context.Context, sess *session, s streams, args []string) error {
	if len(args) == 0 {
		return errors.New("you must specify the type of resource to describe, such as pods or deployments")
	}
	ts, err := parseTargets(sess.scheme, "wharf describe", args)
	if err != nil {
		return err
	}
	ns := sess.namespace
	if o.allNamespaces {
		ns = ""
	}
	var found []fetched
	var errs []error
	for _, t := range ts {
		objs, err := o.find(ctx, sess, t, ns)
		errs = append(errs, err)
		found = append(found, objs...)
	}
	for i, f := range found {
		text, err := describeObject(ctx, sess, f.res, f.raw, o.showEvents)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if i > 0 {
			fmt.Fprint(s.out, "\n\n")
		}
		fmt.Fprint(s.out, text)
	}
	err = errors.Join(errs...)
	if len(found) == 0 && err == nil {
		fmt.Fprintln(s.errOut, noResourcesFound(ts, ns))
	}
	return err
}

// find returns the objects a target names: each name exactly or, failing
// that, as a prefix; every object (narrowed by -l) when it names none.
func (o *describeOptions) find(ctx context.Context, sess *session, t target, ns string) ([]fetched, error) {
	q := listQuery{labelSelector: o.selector}
	if len(t.names) == 0 {
		items, _, err := sess.listObjects(ctx, t.res, ns, q, o.chunkSize)
		if err != nil {
			return nil, err
		}
		out := make([]fetched, len(items))
		for i, it := range items {
			out[i] = fetched{t.res, it}
		}
		return out, nil
	}
	var out []fetched
	var errs []error
	for _, name := range t.names {
		b, err := sess.getObject(ctx, t.res, sess.namespace, name)
		if err == nil {
			out = append(out, fetched{t.res, b})
			continue
		}
		if !errors.Is(err, errdefs.ErrNotFound) {
			errs = append(errs, err)
			continue
		}
		items, _, lerr := sess.listObjects(ctx, t.res, sess.namespace, q, o.chunkSize)
		if lerr != nil {
			errs = append(errs, err)
			continue
		}
		matched := 0
		for _, it := range items {
			if o, perr := parseObject(it); perr == nil && strings.HasPrefix(o.name(), name) {
				out = append(out, fetched{t.res, it})
				matched++
			}
		}
		if matched == 0 {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// describer writes the kind-specific part of a description, between the
// metadata and the events.
type describer func(ctx context.Context, sess *session, w *describeWriter, o object)

// describerFor returns the describer of a kind; nil for kinds that get
// describeGeneric.
func describerFor(res *scheme.Resource) describer {
	switch res.Group + "/" + res.Kind {
	case "/Pod":
		return describePod
	case "apps/Deployment":
		return describeDeployment
	case "apps/ReplicaSet":
		return describeReplicaSet
	case "/Node":
		return describeNode
	case "/Service":
		return describeService
	case "/Namespace":
		return describeNamespace
	case "/ConfigMap":
		return describeConfigMap
	case "/Secret":
		return describeSecret
	}
	return nil
}

// describeObject renders one object as kubectl describe does.
func describeObject(ctx context.Context, sess *session, res *scheme.Resource, raw []byte, events bool) (string, error) {
	o, err := parseObject(raw)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	w := newDescribeWriter(&buf)
	if d := describerFor(res); d != nil {
		d(ctx, sess, w, o)
	} else {
		describeGeneric(w, res, o)
	}
	if events {
		describeEvents(w, findEvents(ctx, sess, res, o))
	}
	if err := w.flush(); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// describeWriter writes indented "Label:\tvalue" lines whose values line up
// the way kubectl's do: a tabwriter over the whole description.
type describeWriter struct {
	tw *tabwriter.Writer
}

func newDescribeWriter(out io.Writer) *describeWriter {
	return &describeWriter{tw: tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)}
}

// write writes format at an indentation of level steps of two spaces.
func (w *describeWriter) write(level int, format string, a ...any) {
	fmt.Fprint(w.tw, strings.Repeat("  ", level))
	fmt.Fprintf(w.tw, format, a...)
}

func (w *describeWriter) flush() error { return w.tw.Flush() }

// lastApplied is the annotation apply keeps; describe leaves it out, as
// kubectl does, because it repeats the whole manifest.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// maxAnnotationWidth is where describe cuts a long annotation value.
const maxAnnotationWidth = 140

// describeMeta writes the metadata lines every description starts with.
func describeMeta(w *describeWriter, o object, namespaced bool) {
	w.write(0, "Name:\t%s\n", o.name())
	if namespaced {
		w.write(0, "Namespace:\t%s\n", o.namespace())
	}
	describeLabels(w, 0, "Labels", o.stringMap("metadata", "labels"))
	describeAnnotations(w, 0, o.stringMap("metadata", "annotations"))
	w.write(0, "CreationTimestamp:\t%s\n", timestamp(o.str("metadata", "creationTimestamp")))
}

// describeLabels writes a map as "Title:\tk=v" with one pair a line.
func describeLabels(w *describeWriter, level int, title string, m map[string]string) {
	w.write(level, "%s:\t", title)
	if len(m) == 0 {
		w.write(0, "<none>\n")
		return
	}
	for i, k := range sortedKeys(m) {
		if i > 0 {
			w.write(level, "\t")
		}
		w.write(0, "%s=%s\n", k, m[k])
	}
}

func describeAnnotations(w *describeWriter, level int, m map[string]string) {
	delete(m, lastAppliedAnnotation)
	w.write(level, "Annotations:\t")
	if len(m) == 0 {
		w.write(0, "<none>\n")
		return
	}
	for i, k := range sortedKeys(m) {
		if i > 0 {
			w.write(level, "\t")
		}
		v := strings.ReplaceAll(strings.TrimSpace(m[k]), "\n", " ")
		if r := []rune(v); len(r) > maxAnnotationWidth {
			v = string(r[:maxAnnotationWidth]) + "..."
		}
		w.write(0, "%s: %s\n", k, v)
	}
}

// controlledBy is "Kind/name" of the controlling owner, "" when none.
func controlledBy(o object) string {
	for _, r := range o.list("metadata", "ownerReferences") {
		if r.get("controller") == true {
			return r.str("kind") + "/" + r.str("name")
		}
	}
	return ""
}

// timestamp renders an RFC 3339 time as kubectl describe does: RFC 1123
// with a numeric zone, in local time.
func timestamp(s string) string {
	if s == "" {
		return "<unset>"
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.Local().Format(time.RFC1123Z)
}

// age is the time since an RFC 3339 time, as get's AGE column says it.
func age(s string, now time.Time) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || s == "" {
		return table.Unknown
	}
	return table.HumanDuration(now.Sub(t))
}

func orNone(s string) string { return table.OrNone(s) }

// describeGeneric describes a kind without its own describer: the metadata,
// then every other top-level field as indented YAML.
func describeGeneric(w *describeWriter, res *scheme.Resource, o object) {
	describeMeta(w, o, res.Namespaced)
	w.write(0, "API Version:\t%s\n", o.str("apiVersion"))
	w.write(0, "Kind:\t%s\n", o.str("kind"))
	for _, k := range sortedKeys(o) {
		switch k {
		case "apiVersion", "kind", "metadata":
			continue
		}
		w.write(0, "%s:\n", capitalize(k))
		writeYAML(w, 1, o[k])
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// writeYAML writes v as YAML indented by level steps.
func writeYAML(w *describeWriter, level int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	y, err := yaml.JSONToYAML(b)
	if err != nil {
		return
	}
	for _, line := range strings.Split(strings.TrimRight(string(y), "\n"), "\n") {
		// A tab in a value would be read as a column break.
		w.write(level, "%s\n", strings.ReplaceAll(line, "\t", " "))
	}
}

// findEvents lists the events about o, oldest first; none when there is no
// Event kind or the listing fails, as describe is best effort beyond the
// object itself.
func findEvents(ctx context.Context, sess *session, kind *scheme.Resource, o object) []object {
	res, err := sess.scheme.Lookup("events")
	if err != nil || res.Group != "" {
		return nil
	}
	base := "involvedObject.name=" + o.name()
	if ns := o.namespace(); ns != "" {
		base += ",involvedObject.namespace=" + ns
	}
	selectors := []string{base}
	if uid := o.uid(); uid != "" {
		selectors[0] += ",involvedObject.uid=" + uid
	}
	// A node agent reports its node's events with the node's name as the
	// uid, as the kubelet does, and controllers with the real uid: kubectl
	// shows both.
	if isKind(kind, "", "Node") && o.uid() != o.name() {
		selectors = append(selectors, base+",involvedObject.uid="+o.name())
	}
	var events []object
	for _, sel := range selectors {
		items, _, err := sess.listObjects(ctx, res, o.namespace(), listQuery{fieldSelector: sel}, 0)
		if err != nil {
			continue
		}
		for _, it := range items {
			if e, err := parseObject(it); err == nil {
				events = append(events, e)
			}
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return eventTime(events[i]) < eventTime(events[j]) })
	return events
}

// eventTime is when an event last happened, comparable as a string.
func eventTime(e object) string {
	for _, f := range []string{"lastTimestamp", "eventTime", "firstTimestamp"} {
		if s := e.str(f); s != "" {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t.UTC().Format("2006-01-02T15:04:05.000000Z")
			}
		}
	}
	return e.str("metadata", "creationTimestamp")
}

// describeEvents writes the Events table: Type Reason Age From Message.
func describeEvents(w *describeWriter, events []object) {
	if len(events) == 0 {
		w.write(0, "Events:\t<none>\n")
		return
	}
	now := time.Now()
	w.write(0, "Events:\n")
	w.write(1, "Type\tReason\tAge\tFrom\tMessage\n")
	w.write(1, "----\t------\t----\t----\t-------\n")
	for _, e := range events {
		w.write(1, "%s\t%s\t%s\t%s\t%s\n", e.str("type"), e.str("reason"), eventAge(e, now), eventSource(e), strings.TrimSpace(strings.ReplaceAll(e.str("message"), "\n", " ")))
	}
}

// eventAge is "5m", or "5m (x3 over 20m)" for an event that repeated.
func eventAge(e object, now time.Time) string {
	first, last := e.str("firstTimestamp"), e.str("lastTimestamp")
	if first == "" {
		first = e.str("eventTime")
	}
	if last == "" {
		last = first
	}
	count := e.num("count")
	if sc := e.num("series", "count"); sc > count {
		count = sc
		if t := e.str("series", "lastObservedTime"); t != "" {
			last = t
		}
	}
	if count > 1 && first != "" {
		return fmt.Sprintf("%s (x%d over %s)", age(last, now), count, age(first, now))
	}
	return age(last, now)
}

// eventSource is the From column: the reporting component and its host.
func eventSource(e object) string {
	from := e.str("source", "component")
	if from == "" {
		from = e.str("reportingComponent")
	}
	if host := e.str("source", "host"); host != "" {
		from += ", " + host
	}
	return from
}
