package ctl

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
)

func TestAligner(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
		want string
	}{
		{
			name: "columns are the widest cell plus three spaces",
			rows: [][]string{{"NAME", "READY", "STATUS"}, {"web-1", "1/1", "Running"}},
			want: "NAME    READY   STATUS\nweb-1   1/1     Running\n",
		},
		{
			name: "narrow columns are six wide",
			rows: [][]string{{"A", "B"}, {"x", "y"}},
			want: "A     B\nx     y\n",
		},
		{
			name: "the last cell is not padded",
			rows: [][]string{{"NAME", "AGE"}, {"a", "10d"}},
			want: "NAME   AGE\na      10d\n",
		},
		{
			name: "widths count characters, not bytes",
			rows: [][]string{{"NAME", "X"}, {"héllo", "1"}},
			want: "NAME    X\nhéllo   1\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := (&aligner{}).write(&buf, tt.rows); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestAlignerRemembersWidths(t *testing.T) {
	a := &aligner{}
	var buf bytes.Buffer
	if err := a.write(&buf, [][]string{{"NAME", "AGE"}, {"a-long-name", "1s"}}); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := a.write(&buf, [][]string{{"b", "2s"}}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "b"+strings.Repeat(" ", 13)+"2s\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func podTable() *meta.Table {
	md := func(ns, name string, labels map[string]string) json.RawMessage {
		b, _ := json.Marshal(meta.PartialObjectMetadata{ObjectMeta: meta.ObjectMeta{Namespace: ns, Name: name, Labels: labels}})
		return b
	}
	return &meta.Table{
		ColumnDefinitions: []meta.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name"},
			{Name: "Ready", Type: "string"},
			{Name: "Restarts", Type: "integer"},
			{Name: "IP", Type: "string", Priority: 1},
			{Name: "Age", Type: "string"},
		},
		Rows: []meta.TableRow{
			{Cells: []any{"web", "1/1", json.Number("0"), "10.0.0.7", "5m"}, Object: md("team", "web", map[string]string{"tier": "fe", "app": "web"})},
			{Cells: []any{"db-primary", "0/1", json.Number("12"), nil, "3d"}, Object: md("data", "db-primary", nil)},
		},
	}
}

func TestTableRendering(t *testing.T) {
	tests := []struct {
		name string
		opts tableOptions
		want [][]string
	}{
		{
			name: "default hides wide columns",
			want: [][]string{
				{"NAME", "READY", "RESTARTS", "AGE"},
				{"web", "1/1", "0", "5m"},
				{"db-primary", "0/1", "12", "3d"},
			},
		},
		{
			name: "wide shows every column, null as empty",
			opts: tableOptions{wide: true},
			want: [][]string{
				{"NAME", "READY", "RESTARTS", "IP", "AGE"},
				{"web", "1/1", "0", "10.0.0.7", "5m"},
				{"db-primary", "0/1", "12", "", "3d"},
			},
		},
		{
			name: "namespace first, labels last, kind-prefixed names",
			opts: tableOptions{withNamespace: true, showLabels: true, kindPrefix: "pod"},
			want: [][]string{
				{"NAMESPACE", "NAME", "READY", "RESTARTS", "AGE", "LABELS"},
				{"team", "pod/web", "1/1", "0", "5m", "app=web,tier=fe"},
				{"data", "pod/db-primary", "0/1", "12", "3d", "<none>"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl := podTable()
			got := append([][]string{tableHeader(tbl.ColumnDefinitions, tt.opts)}, tableRows(tbl.ColumnDefinitions, tbl.Rows, tt.opts)...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTablePrintsLikeKubectl(t *testing.T) {
	tbl := podTable()
	opts := tableOptions{}
	rows := append([][]string{tableHeader(tbl.ColumnDefinitions, opts)}, tableRows(tbl.ColumnDefinitions, tbl.Rows, opts)...)
	var buf bytes.Buffer
	if err := (&aligner{}).write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"NAME         READY   RESTARTS   AGE\n" +
		"web          1/1     0          5m\n" +
		"db-primary   0/1     12         3d\n"
	if got := buf.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestCellText(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, ""},
		{"Running", "Running"},
		{"first line\nsecond", "first line..."},
		{json.Number("1000000"), "1000000"},
		{float64(3), "3"},
		{true, "true"},
	}
	for _, tt := range tests {
		if got := cellText(tt.in); got != tt.want {
			t.Errorf("cellText(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeTableKeepsLargeNumbers(t *testing.T) {
	tbl, err := decodeTable([]byte(`{"kind":"Table","columnDefinitions":[{"name":"Size","type":"integer"}],"rows":[{"cells":[123456789012]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cellText(tbl.Rows[0].Cells[0]), "123456789012"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
