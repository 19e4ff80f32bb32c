package ctl

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/wharf/wharf/api/meta"
)

// kubectl prints tables through a tabwriter with these settings; matching
// them makes Wharf's columns line up exactly where kubectl's do.
const (
	columnMinWidth = 6
	columnPadding  = 3
)

// aligner writes rows of cells in columns, each as wide as its widest cell
// plus padding; the last cell of a row is written as it is. Widths only
// grow, so that the rows of `get --watch`, printed as they come, stay in the
// columns of the rows above them.
type aligner struct {
	widths []int
}

func (a *aligner) write(w io.Writer, rows [][]string) error {
	for _, row := range rows {
		for i, cell := range row[:max(len(row)-1, 0)] {
			width := max(utf8.RuneCountInString(cell)+columnPadding, columnMinWidth)
			if i == len(a.widths) {
				a.widths = append(a.widths, 0)
			}
			a.widths[i] = max(a.widths[i], width)
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", a.widths[i]-utf8.RuneCountInString(cell)))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// tableOptions say how a server-side Table becomes text.
type tableOptions struct {
	// wide shows the columns of priority above 0 (-o wide).
	wide bool
	// withNamespace adds a NAMESPACE column first (-A on a namespaced kind).
	withNamespace bool
	// showLabels adds a LABELS column last (--show-labels).
	showLabels bool
	// kindPrefix, when set, prefixes names with "kind.group/", as when one
	// `get` shows several kinds.
	kindPrefix string
}

// visible reports whether column c is shown.
func (o tableOptions) visible(c meta.TableColumnDefinition) bool {
	return c.Priority == 0 || o.wide
}

// tableHeader is the header row: column names upper-cased, as kubectl
// prints them.
func tableHeader(cols []meta.TableColumnDefinition, o tableOptions) []string {
	var h []string
	if o.withNamespace {
		h = append(h, "NAMESPACE")
	}
	for _, c := range cols {
		if o.visible(c) {
			h = append(h, strings.ToUpper(c.Name))
		}
	}
	if o.showLabels {
		h = append(h, "LABELS")
	}
	return h
}

// tableRows renders rows under the columns cols (a watch event after the
// first carries rows without columns, so they are passed apart).
func tableRows(cols []meta.TableColumnDefinition, rows []meta.TableRow, o tableOptions) [][]string {
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		var m meta.ObjectMeta
		if o.withNamespace || o.showLabels {
			m = rowMetadata(r)
		}
		var line []string
		if o.withNamespace {
			line = append(line, m.Namespace)
		}
		for i, c := range cols {
			if !o.visible(c) {
				continue
			}
			var cell any
			if i < len(r.Cells) {
				cell = r.Cells[i]
			}
			text := cellText(cell)
			if o.kindPrefix != "" && c.Format == "name" {
				text = o.kindPrefix + "/" + text
			}
			line = append(line, text)
		}
		if o.showLabels {
			line = append(line, labelsText(m.Labels))
		}
		out = append(out, line)
	}
	return out
}

// rowMetadata reads the metadata of the object a row shows, which the
// server includes by default (includeObject=Metadata).
func rowMetadata(r meta.TableRow) meta.ObjectMeta {
	var pm meta.PartialObjectMetadata
	if len(r.Object) > 0 {
		_ = decodeJSON(r.Object, &pm)
	}
	return pm.ObjectMeta
}

// cellText prints a cell as kubectl does: nothing for null, a string up to
// its first line break (then "..."), anything else as Go prints it.
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		if i := strings.IndexAny(v, "\f\n\r"); i >= 0 {
			return v[:i] + "..."
		}
		return v
	default:
		return fmt.Sprint(v)
	}
}

// labelsText is the LABELS cell: "k=v,k2=v2" sorted by key, or "<none>".
func labelsText(labels map[string]string) string {
	if len(labels) == 0 {
		return "<none>"
	}
	terms := make([]string, 0, len(labels))
	for k, v := range labels {
		terms = append(terms, k+"="+v)
	}
	sort.Strings(terms)
	return strings.Join(terms, ",")
}
