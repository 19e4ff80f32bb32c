package patch

import (
	"errors"
	"testing"

	"github.com/wharf/wharf/api/errdefs"
)

// rfc7386Cases are the examples of RFC 7386 appendix A, then the one of its
// section 3.
var rfc7386Cases = []struct {
	name, doc, patch, want string
}{
	{"replace member", `{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
	{"add member", `{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
	{"delete member", `{"a":"b"}`, `{"a":null}`, `{}`},
	{"delete one of two", `{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
	{"array replaced by string", `{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
	{"string replaced by array", `{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
	{"nested merge and delete", `{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
	{"array of objects replaced", `{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
	{"array document replaced", `["a","b"]`, `["c","d"]`, `["c","d"]`},
	{"object replaced by array", `{"a":"b"}`, `["c"]`, `["c"]`},
	{"null patch", `{"a":"foo"}`, `null`, `null`},
	{"string patch", `{"a":"foo"}`, `"bar"`, `"bar"`},
	{"null in document kept", `{"e":null}`, `{"a":1}`, `{"e":null,"a":1}`},
	{"array document becomes object", `[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
	{"nulls of new objects dropped", `{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	{
		"section 3 example",
		`{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}`,
		`{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}`,
		`{"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"}`,
	},
}

func TestMergePatch(t *testing.T) {
	for _, tc := range rfc7386Cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MergePatch([]byte(tc.doc), []byte(tc.patch))
			if err != nil {
				t.Fatalf("MergePatch: %v", err)
			}
			sameJSON(t, got, tc.want)
		})
	}
}

func TestMergePatchMalformed(t *testing.T) {
	for _, tc := range []struct{ name, doc, patch string }{
		{"bad document", `{"a":`, `{}`},
		{"bad patch", `{}`, `{"a":1}}`},
		{"empty patch", `{}`, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MergePatch([]byte(tc.doc), []byte(tc.patch))
			if !errors.Is(err, errdefs.ErrBadRequest) {
				t.Errorf("got error %v, want a BadRequest", err)
			}
		})
	}
}

func TestCreateMergePatch(t *testing.T) {
	for _, tc := range []struct {
		name, original, modified, want string
	}{
		{"no change", `{"a":1,"b":{"c":[1]}}`, `{"a":1,"b":{"c":[1]}}`, `{}`},
		{"change, add and delete", `{"a":1,"b":2}`, `{"a":3,"c":4}`, `{"a":3,"b":null,"c":4}`},
		{"nested", `{"a":{"b":1,"c":2}}`, `{"a":{"b":1,"c":3,"d":4}}`, `{"a":{"c":3,"d":4}}`},
		{"nested delete", `{"a":{"b":1,"c":2}}`, `{"a":{"b":1}}`, `{"a":{"c":null}}`},
		{"array changed is replaced", `{"a":[1,2]}`, `{"a":[1,3]}`, `{"a":[1,3]}`},
		{"numbers equal by value", `{"a":1.0}`, `{"a":1}`, `{}`},
		{"object becomes scalar", `{"a":{"b":1}}`, `{"a":2}`, `{"a":2}`},
		{"whole document not an object", `[1]`, `{"a":1}`, `{"a":1}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := CreateMergePatch([]byte(tc.original), []byte(tc.modified))
			if err != nil {
				t.Fatalf("CreateMergePatch: %v", err)
			}
			sameJSON(t, p, tc.want)
			got, err := MergePatch([]byte(tc.original), p)
			if err != nil {
				t.Fatalf("MergePatch of the created patch: %v", err)
			}
			if !equal(mustJSON(t, string(got)), mustJSON(t, tc.modified)) {
				t.Errorf("applying the created patch: got %s, want %s", got, tc.modified)
			}
		})
	}
}
