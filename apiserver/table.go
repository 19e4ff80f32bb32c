package apiserver

import (
	"encoding/json"
	"net/http"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/apiserver/registry"
)

// includeObject says what each table row carries: "Metadata" (the default,
// as in Kubernetes), "Object" or "None".
func includeObject(r *http.Request) string {
	switch v := r.URL.Query().Get("includeObject"); v {
	case "Object", "None":
		return v
	}
	return "Metadata"
}

// renderTable renders items as the Table that `get` prints.
func renderTable(res *scheme.Resource, tr tableRequest, items []registry.Item, lm meta.ListMeta, include string) *meta.Table {
	t := &meta.Table{
		TypeMeta: meta.TypeMeta{Kind: "Table", APIVersion: tr.apiVersion},
		ListMeta: lm,
		Rows:     make([]meta.TableRow, 0, len(items)),
	}
	t.ColumnDefinitions = columns(res)
	for _, it := range items {
		t.Rows = append(t.Rows, tableRow(res, it, include))
	}
	return t
}

// columns are the resource's table columns, or NAME and AGE.
func columns(res *scheme.Resource) []meta.TableColumnDefinition {
	if len(res.Columns) > 0 {
		return res.Columns
	}
	return []meta.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name must be unique within a namespace."},
		{Name: "Created At", Type: "date", Description: "CreationTimestamp is when the object was created."},
	}
}

func tableRow(res *scheme.Resource, it registry.Item, include string) meta.TableRow {
	var cells []any
	if res.Row != nil {
		cells = res.Row(it.Object)
	} else {
		m := it.Object.GetObjectMeta()
		cells = []any{m.Name, m.CreationTimestamp}
	}
	row := meta.TableRow{Cells: cells}
	switch include {
	case "Object":
		row.Object = it.Raw
	case "Metadata":
		pm := meta.PartialObjectMetadata{
			TypeMeta:   meta.TypeMeta{Kind: "PartialObjectMetadata", APIVersion: "meta.k8s.io/v1"},
			ObjectMeta: *it.Object.GetObjectMeta(),
		}
		row.Object, _ = json.Marshal(pm)
	}
	return row
}
