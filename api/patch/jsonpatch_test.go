package patch

import (
	"errors"
	"strings"
	"testing"

	"github.com/wharf/wharf/api/errdefs"
)

func TestJSONPatch(t *testing.T) {
	for _, tc := range []struct {
		name, doc, patch, want string
	}{
		// RFC 6902 appendix A.
		{"A.1 add object member", `{"foo":"bar"}`, `[{"op":"add","path":"/baz","value":"qux"}]`, `{"baz":"qux","foo":"bar"}`},
		{"A.2 add array element", `{"foo":["bar","baz"]}`, `[{"op":"add","path":"/foo/1","value":"qux"}]`, `{"foo":["bar","qux","baz"]}`},
		{"A.3 remove object member", `{"baz":"qux","foo":"bar"}`, `[{"op":"remove","path":"/baz"}]`, `{"foo":"bar"}`},
		{"A.4 remove array element", `{"foo":["bar","qux","baz"]}`, `[{"op":"remove","path":"/foo/1"}]`, `{"foo":["bar","baz"]}`},
		{"A.5 replace", `{"baz":"qux","foo":"bar"}`, `[{"op":"replace","path":"/baz","value":"boo"}]`, `{"baz":"boo","foo":"bar"}`},
		{
			"A.6 move value",
			`{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}`,
			`[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]`,
			`{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}`,
		},
		{"A.7 move array element", `{"foo":["all","grass","cows","eat"]}`, `[{"op":"move","from":"/foo/1","path":"/foo/3"}]`, `{"foo":["all","cows","eat","grass"]}`},
		{
			"A.8 test success",
			`{"baz":"qux","foo":["a",2,"c"]}`,
			`[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]`,
			`{"baz":"qux","foo":["a",2,"c"]}`,
		},
		{"A.10 add nested member object", `{"foo":"bar"}`, `[{"op":"add","path":"/child","value":{"grandchild":{}}}]`, `{"foo":"bar","child":{"grandchild":{}}}`},
		{"A.11 unrecognized members ignored", `{"foo":"bar"}`, `[{"op":"add","path":"/baz","value":"qux","xyz":123}]`, `{"foo":"bar","baz":"qux"}`},
		{"A.14 ~ escapes", `{"/":9,"~1":10}`, `[{"op":"test","path":"/~01","value":10}]`, `{"/":9,"~1":10}`},
		{"A.16 add array value", `{"foo":["bar"]}`, `[{"op":"add","path":"/foo/-","value":["abc","def"]}]`, `{"foo":["bar",["abc","def"]]}`},
		// Beyond the appendix.
		{"add replaces existing member", `{"a":1}`, `[{"op":"add","path":"/a","value":2}]`, `{"a":2}`},
		{"add at end index", `{"a":[1]}`, `[{"op":"add","path":"/a/1","value":2}]`, `{"a":[1,2]}`},
		{"add whole document", `{"a":1}`, `[{"op":"add","path":"","value":[1]}]`, `[1]`},
		{"replace whole document", `{"a":1}`, `[{"op":"replace","path":"","value":{"b":2}}]`, `{"b":2}`},
		{"add null value", `{}`, `[{"op":"add","path":"/a","value":null}]`, `{"a":null}`},
		{"~1 in member name", `{}`, `[{"op":"add","path":"/a~1b","value":1}]`, `{"a/b":1}`},
		{"copy is deep", `{"a":{"b":1}}`, `[{"op":"copy","from":"/a","path":"/c"},{"op":"replace","path":"/c/b","value":2}]`, `{"a":{"b":1},"c":{"b":2}}`},
		{"copy of an array is deep", `{"a":[[1]]}`, `[{"op":"copy","from":"/a","path":"/b"},{"op":"add","path":"/b/0/-","value":2}]`, `{"a":[[1]],"b":[[1,2]]}`},
		{"replace array element", `{"a":[1,2]}`, `[{"op":"replace","path":"/a/1","value":{"b":3}}]`, `{"a":[1,{"b":3}]}`},
		{"move between arrays", `{"a":[1,2],"b":[]}`, `[{"op":"move","from":"/a/0","path":"/b/-"}]`, `{"a":[2],"b":[1]}`},
		{"move onto itself", `{"a":1}`, `[{"op":"move","from":"/a","path":"/a"}]`, `{"a":1}`},
		{"test numbers by value", `{"a":1}`, `[{"op":"test","path":"/a","value":1.0}]`, `{"a":1}`},
		{"test whole document", `{"a":[1,{"b":null}]}`, `[{"op":"test","path":"","value":{"a":[1,{"b":null}]}}]`, `{"a":[1,{"b":null}]}`},
		{"label with slash", `{"metadata":{"labels":{"app.kubernetes.io/name":"x"}}}`, `[{"op":"remove","path":"/metadata/labels/app.kubernetes.io~1name"}]`, `{"metadata":{"labels":{}}}`},
		{"empty patch", `{"a":1}`, `[]`, `{"a":1}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := JSONPatch([]byte(tc.doc), []byte(tc.patch))
			if err != nil {
				t.Fatalf("JSONPatch: %v", err)
			}
			sameJSON(t, got, tc.want)
		})
	}
}

func TestJSONPatchFails(t *testing.T) {
	for _, tc := range []struct {
		name, doc, patch string
		bad              bool     // BadRequest rather than Invalid
		want             []string // in the error message
	}{
		{"A.9 test error", `{"baz":"qux"}`, `[{"op":"test","path":"/baz","value":"bar"}]`, false, []string{"operation 0", "test /baz"}},
		{"A.12 add to nonexistent target", `{"foo":"bar"}`, `[{"op":"add","path":"/baz/bat","value":"qux"}]`, false, []string{"operation 0", "add /baz/bat", `"baz"`}},
		{"A.13 duplicate op member", `{"foo":"bar"}`, `[{"op":"add","path":"/baz","value":"qux","op":"remove"}]`, false, []string{"operation 0", "remove /baz"}},
		{"A.15 string is not number", `{"/":9,"~1":10}`, `[{"op":"test","path":"/~01","value":"10"}]`, false, []string{"operation 0", "test /~01"}},
		{"second operation fails", `{"a":1}`, `[{"op":"remove","path":"/a"},{"op":"remove","path":"/a"}]`, false, []string{"operation 1", "remove /a"}},
		{"index out of range", `{"a":[1]}`, `[{"op":"add","path":"/a/2","value":1}]`, false, []string{"/a/2", "out of range"}},
		{"leading zero index", `{"a":[1,2]}`, `[{"op":"replace","path":"/a/01","value":1}]`, false, []string{"not an array index"}},
		{"dash outside add", `{"a":[1]}`, `[{"op":"remove","path":"/a/-"}]`, false, []string{"remove /a/-"}},
		{"replace missing member", `{}`, `[{"op":"replace","path":"/a","value":1}]`, false, []string{"replace /a"}},
		{"move into own child", `{"a":{"b":1}}`, `[{"op":"move","from":"/a","path":"/a/b/c"}]`, false, []string{"own child"}},
		{"remove whole document", `{}`, `[{"op":"remove","path":""}]`, false, []string{"whole document"}},
		{"copy from missing", `{}`, `[{"op":"copy","from":"/x","path":"/y"}]`, false, []string{"copy /y"}},
		{"unknown op", `{}`, `[{"op":"frob","path":"/a"}]`, true, []string{"operation 0", "frob"}},
		{"missing value", `{}`, `[{"op":"add","path":"/a"}]`, true, []string{"operation 0", `"value"`}},
		{"missing from", `{}`, `[{"op":"move","path":"/a"}]`, true, []string{`"from"`}},
		{"missing path", `{}`, `[{"op":"add","value":1}]`, true, []string{`"path"`}},
		{"bad pointer", `{}`, `[{"op":"add","path":"a","value":1}]`, true, []string{"JSON pointer"}},
		{"bad escape", `{}`, `[{"op":"add","path":"/a~2","value":1}]`, true, []string{"~"}},
		{"not an array", `{}`, `{"op":"add"}`, true, []string{"array of operations"}},
		{"operation not an object", `{}`, `[1]`, true, []string{"operation 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := JSONPatch([]byte(tc.doc), []byte(tc.patch))
			if err == nil {
				t.Fatal("got no error, want one")
			}
			want := errdefs.ErrInvalid
			if tc.bad {
				want = errdefs.ErrBadRequest
			}
			if !errors.Is(err, want) {
				t.Errorf("got error %v, want reason %s", err, want.Reason)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error %q, want it to mention %q", err, w)
				}
			}
		})
	}
}
