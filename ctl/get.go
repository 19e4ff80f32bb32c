package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/codec"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
)

type getOptions struct {
	output        string
	selector      string
	fieldSelector string
	allNamespaces bool
	watch         bool
	watchOnly     bool
	showLabels    bool
	noHeaders     bool
	chunkSize     int64
}

func newGetCommand(g *globalOptions, s streams) *cobra.Command {
	o := &getOptions{}
	cmd := &cobra.Command{
		Use:   "get TYPE[,TYPE...] [NAME...] | TYPE/NAME...",
		Short: "Display one or many resources",
		Long: `Display one or many resources as a table, or as YAML, JSON or names.

TYPE is a resource name as kubectl takes it: plural, singular, short name or
kind, optionally qualified by group (pods, po, deployment.apps), several
separated by commas, or "all" for the common workload kinds.`,
		Example: `  wharf get pods
  wharf get deploy,svc -n web -o wide
  wharf get pod/web -o yaml
  wharf get all -A
  wharf get pods -l app=web -w`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(o.output, outputTable, outputWide, outputYAML, outputJSON, outputName); err != nil {
				return err
			}
			sess, err := g.connect()
			if err != nil {
				return err
			}
			return o.run(cmd.Context(), sess, s, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "output format: wide, yaml, json or name")
	f.StringVarP(&o.selector, "selector", "l", "", "label selector to filter on (app=web, tier in (a,b), !canary)")
	f.StringVar(&o.fieldSelector, "field-selector", "", "field selector to filter on (status.phase=Running, spec.nodeName=n1)")
	f.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "list the objects of every namespace")
	f.BoolVarP(&o.watch, "watch", "w", false, "after listing, watch for changes and print them")
	f.BoolVar(&o.watchOnly, "watch-only", false, "watch for changes without listing first")
	f.BoolVar(&o.showLabels, "show-labels", false, "add a LABELS column")
	f.BoolVar(&o.noHeaders, "no-headers", false, "print tables without their header row")
	f.Int64Var(&o.chunkSize, "chunk-size", 500, "list large collections in pages of this many objects (0: in one request)")
	return cmd
}

func (o *getOptions) run(ctx context.Context, sess *session, s streams, args []string) error {
	if len(args) == 0 {
		return errors.New("you must specify the type of resource to get, such as pods, deployments or all")
	}
	ts, err := parseTargets(sess.scheme, "wharf get", args)
	if err != nil {
		return err
	}
	ns := sess.namespace
	if o.allNamespaces {
		ns = ""
	}
	for _, t := range ts {
		if len(t.names) == 0 {
			continue
		}
		if o.selector != "" {
			return errors.New("a name cannot be given with a selector (-l)")
		}
		if o.allNamespaces && t.res.Namespaced {
			return errors.New("a resource cannot be retrieved by name across all namespaces")
		}
	}
	q := listQuery{labelSelector: o.selector, fieldSelector: o.fieldSelector}
	if o.watch || o.watchOnly {
		return o.runWatch(ctx, sess, s, ts, ns, q)
	}
	switch o.output {
	case outputTable, outputWide:
		return o.printTables(ctx, sess, s, ts, ns, q)
	default:
		return o.printObjects(ctx, sess, s, ts, ns, q)
	}
}

// tableBlock is one kind's table; get prints one block per kind.
type tableBlock struct {
	res   *scheme.Resource
	table *meta.Table
}

func (o *getOptions) printTables(ctx context.Context, sess *session, s streams, ts []target, ns string, q listQuery) error {
	var blocks []tableBlock
	var errs []error
	for _, t := range ts {
		tbl, terrs := o.fetchTable(ctx, sess, t, ns, q)
		errs = append(errs, terrs...)
		if tbl != nil && len(tbl.Rows) > 0 {
			blocks = append(blocks, tableBlock{t.res, tbl})
		}
	}
	severalKinds := false
	for _, b := range blocks {
		if b.res != blocks[0].res {
			severalKinds = true
		}
	}
	for i, b := range blocks {
		if i > 0 {
			fmt.Fprintln(s.out)
		}
		opts := o.tableOptions(b.res)
		if severalKinds {
			opts.kindPrefix = kindName(b.res)
		}
		rows := tableRows(b.table.ColumnDefinitions, b.table.Rows, opts)
		if !o.noHeaders {
			rows = append([][]string{tableHeader(b.table.ColumnDefinitions, opts)}, rows...)
		}
		if err := (&aligner{}).write(s.out, rows); err != nil {
			return err
		}
	}
	if len(blocks) == 0 && len(errs) == 0 {
		fmt.Fprintln(s.errOut, noResourcesFound(ts, ns))
	}
	return errors.Join(errs...)
}

// fetchTable lists a target, or gets its named objects: one Table with the
// rows of every object found, and the errors of those that were not, so
// that the others still print.
func (o *getOptions) fetchTable(ctx context.Context, sess *session, t target, ns string, q listQuery) (*meta.Table, []error) {
	if len(t.names) == 0 {
		tbl, err := sess.listTable(ctx, t.res, ns, q, o.chunkSize)
		if err != nil {
			return nil, []error{err}
		}
		return tbl, nil
	}
	var merged *meta.Table
	var errs []error
	for _, name := range t.names {
		tbl, err := sess.getTable(ctx, t.res, sess.namespace, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if merged == nil {
			merged = tbl
		} else {
			merged.Rows = append(merged.Rows, tbl.Rows...)
		}
	}
	return merged, errs
}

func (o *getOptions) tableOptions(res *scheme.Resource) tableOptions {
	return tableOptions{
		wide:          o.output == outputWide,
		withNamespace: o.allNamespaces && res.Namespaced,
		showLabels:    o.showLabels,
	}
}

// noResourcesFound is kubectl's message for an empty listing.
func noResourcesFound(ts []target, ns string) string {
	if ns == "" {
		return "No resources found"
	}
	for _, t := range ts {
		if !t.res.Namespaced {
			return "No resources found"
		}
	}
	return fmt.Sprintf("No resources found in %s namespace.", ns)
}

// fetched is an object read as JSON, with its kind.
type fetched struct {
	res *scheme.Resource
	raw json.RawMessage
}

func (o *getOptions) printObjects(ctx context.Context, sess *session, s streams, ts []target, ns string, q listQuery) error {
	var objs []fetched
	var errs []error
	for _, t := range ts {
		if len(t.names) == 0 {
			items, _, err := sess.listObjects(ctx, t.res, ns, q, o.chunkSize)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, it := range items {
				objs = append(objs, fetched{t.res, it})
			}
			continue
		}
		for _, name := range t.names {
			b, err := sess.getObject(ctx, t.res, sess.namespace, name)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			objs = append(objs, fetched{t.res, b})
		}
	}
	if o.output == outputName {
		for _, f := range objs {
			if err := printName(s.out, f); err != nil {
				return err
			}
		}
		return errors.Join(errs...)
	}
	// One object asked for by name prints as itself; anything else, even
	// a listing that found one object, as a List.
	singular := len(ts) == 1 && len(ts[0].names) == 1
	p := &objectPrinter{format: o.output}
	switch {
	case singular && len(objs) == 1:
		if err := p.print(s.out, objs[0].raw); err != nil {
			return err
		}
	case singular:
		// The one object asked for could not be read; its error says so.
	default:
		items := make([]json.RawMessage, len(objs))
		for i, f := range objs {
			items[i] = f.raw
		}
		if err := p.print(s.out, listOf(items)); err != nil {
			return err
		}
	}
	return errors.Join(errs...)
}

func printName(w io.Writer, f fetched) error {
	_, om, err := codec.Peek(f.raw)
	if err != nil {
		return fmt.Errorf("reading the server's reply: %v", err)
	}
	_, err = fmt.Fprintln(w, objectName(f.res, om.Name))
	return err
}

// runWatch prints the current state unless --watch-only, then a row (or
// object) for every change until interrupted.
func (o *getOptions) runWatch(ctx context.Context, sess *session, s streams, ts []target, ns string, q listQuery) error {
	if len(ts) != 1 || len(ts[0].names) > 1 {
		n := 0
		for _, t := range ts {
			n += max(len(t.names), 1)
		}
		return fmt.Errorf("watch is only supported on individual resources and resource collections, but %d resources were asked for", n)
	}
	t := ts[0]
	if len(t.names) == 1 {
		ns = sess.namespace
		q.fieldSelector = joinSelectors(q.fieldSelector, "metadata.name="+t.names[0])
	}
	w := &watchPrinter{o: o, res: t.res, out: s.out}
	rv, err := w.initial(ctx, sess, t, ns, q)
	if err != nil {
		return err
	}
	return w.watch(ctx, sess, ns, q, rv)
}

func joinSelectors(a, b string) string {
	if a == "" {
		return b
	}
	return a + "," + b
}

// watchPrinter prints what get --watch sees, keeping columns aligned from
// the first row to the last.
type watchPrinter struct {
	o       *getOptions
	res     *scheme.Resource
	out     io.Writer
	cols    []meta.TableColumnDefinition
	align   aligner
	headed  bool
	objects objectPrinter
}

func (w *watchPrinter) table() bool {
	return w.o.output == outputTable || w.o.output == outputWide
}

// initial prints the current state (unless --watch-only) and returns the
// revision to watch from.
func (w *watchPrinter) initial(ctx context.Context, sess *session, t target, ns string, q listQuery) (string, error) {
	w.objects.format = w.o.output
	if w.o.watchOnly {
		return currentRevision(ctx, sess, t.res, ns, q)
	}
	if len(t.names) == 1 {
		// A missing object is an error, not an empty listing.
		if _, err := sess.getObject(ctx, t.res, ns, t.names[0]); err != nil {
			return "", err
		}
	}
	if w.table() {
		tbl, err := sess.listTable(ctx, t.res, ns, q, w.o.chunkSize)
		if err != nil {
			return "", err
		}
		w.cols = tbl.ColumnDefinitions
		if err := w.rows(tbl.Rows); err != nil {
			return "", err
		}
		return tbl.ResourceVersion, nil
	}
	items, rv, err := sess.listObjects(ctx, t.res, ns, q, w.o.chunkSize)
	if err != nil {
		return "", err
	}
	for _, it := range items {
		if err := w.object(it); err != nil {
			return "", err
		}
	}
	return rv, nil
}

// currentRevision reads the revision of the collection cheaply: one page of
// at most one object.
func currentRevision(ctx context.Context, sess *session, res *scheme.Resource, ns string, q listQuery) (string, error) {
	q.limit = 1
	b, _, err := sess.client.Do(ctx, http.MethodGet, resourcePath(res, ns, ""), q.values(), "", nil, "")
	if err != nil {
		return "", err
	}
	var l rawList
	if err := json.Unmarshal(b, &l); err != nil {
		return "", err
	}
	return l.Metadata.ResourceVersion, nil
}

func (w *watchPrinter) rows(rows []meta.TableRow) error {
	if len(rows) == 0 {
		return nil
	}
	opts := w.o.tableOptions(w.res)
	lines := tableRows(w.cols, rows, opts)
	if !w.headed && !w.o.noHeaders {
		lines = append([][]string{tableHeader(w.cols, opts)}, lines...)
	}
	w.headed = true
	return w.align.write(w.out, lines)
}

func (w *watchPrinter) object(raw []byte) error {
	if w.o.output == outputName {
		return printName(w.out, fetched{w.res, raw})
	}
	return w.objects.print(w.out, raw)
}

// watch streams changes from revision rv until ctx ends. When the server
// closes a watch (they time out after a while) it starts again from the
// last revision seen.
func (w *watchPrinter) watch(ctx context.Context, sess *session, ns string, q listQuery, rv string) error {
	accept := ""
	if w.table() {
		accept = client.AcceptTable
	}
	for {
		q.resourceVersion = rv
		v := q.values()
		v.Set("watch", "true")
		v.Set("allowWatchBookmarks", "true")
		body, _, err := sess.client.Stream(ctx, resourcePath(w.res, ns, ""), v, accept)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		rv, err = w.events(ctx, body, rv)
		body.Close()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		// Servers end watches after a while; pause before the next one so
		// that a server that ends them at once is not hammered.
		pause := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			pause.Stop()
			return nil
		case <-pause.C:
		}
	}
}

// events prints the events of one watch response and returns the last
// revision seen.
func (w *watchPrinter) events(ctx context.Context, body io.Reader, rv string) (string, error) {
	dec := json.NewDecoder(body)
	for {
		var ev meta.WatchEvent
		if err := dec.Decode(&ev); err != nil {
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return rv, nil
			}
			return rv, fmt.Errorf("reading the watch: %w", err)
		}
		switch ev.Type {
		case meta.Error:
			var st meta.Status
			if err := json.Unmarshal(ev.Object, &st); err != nil || st.Message == "" {
				return rv, fmt.Errorf("the watch failed: %s", ev.Object)
			}
			return rv, errdefs.FromStatus(&st)
		case meta.Bookmark:
			if r := revisionOf(ev.Object); r != "" {
				rv = r
			}
			continue
		}
		if w.table() {
			tbl, err := decodeTable(ev.Object)
			if err != nil {
				return rv, fmt.Errorf("reading the watch: %w", err)
			}
			if len(tbl.ColumnDefinitions) > 0 && w.cols == nil {
				w.cols = tbl.ColumnDefinitions
			}
			if tbl.ResourceVersion != "" {
				rv = tbl.ResourceVersion
			}
			if err := w.rows(tbl.Rows); err != nil {
				return rv, err
			}
			continue
		}
		if r := revisionOf(ev.Object); r != "" {
			rv = r
		}
		if err := w.object(ev.Object); err != nil {
			return rv, err
		}
	}
}

func revisionOf(raw []byte) string {
	var probe struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(raw, &probe)
	return probe.Metadata.ResourceVersion
}
