package patch

import (
	"testing"
)

// applyCase is one `apply`: the last-applied configuration, the new manifest,
// the live object, and what the live object must become.
type applyCase struct {
	name                        string
	original, modified, current string
	want                        string
	// wantPatch, when set, is the exact patch expected.
	wantPatch string
}

var applyCases = []applyCase{
	{
		name:      "(a) a field removed from the manifest is removed",
		original:  `{"metadata":{"name":"p","labels":{"app":"a","tier":"web"}},"spec":{"nodeSelector":{"zone":"a"},"containers":[{"name":"c","image":"i"}]}}`,
		modified:  `{"metadata":{"name":"p","labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"i"}]}}`,
		current:   `{"metadata":{"name":"p","uid":"u","labels":{"app":"a","tier":"web"}},"spec":{"nodeSelector":{"zone":"a"},"containers":[{"name":"c","image":"i"}]},"status":{"phase":"Running"}}`,
		want:      `{"metadata":{"name":"p","uid":"u","labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"i"}]},"status":{"phase":"Running"}}`,
		wantPatch: `{"metadata":{"labels":{"tier":null}},"spec":{"nodeSelector":null}}`,
	},
	{
		name:      "(b) a label added by someone else stays",
		original:  `{"metadata":{"name":"p","labels":{"app":"a"}}}`,
		modified:  `{"metadata":{"name":"p","labels":{"app":"b"}}}`,
		current:   `{"metadata":{"name":"p","labels":{"app":"a","pod-template-hash":"123"}}}`,
		want:      `{"metadata":{"name":"p","labels":{"app":"b","pod-template-hash":"123"}}}`,
		wantPatch: `{"metadata":{"labels":{"app":"b"}}}`,
	},
	{
		name:      "(c) a removed container goes, another's env set by others stays",
		original:  `{"spec":{"containers":[{"name":"a","image":"a"},{"name":"b","image":"b"}]}}`,
		modified:  `{"spec":{"containers":[{"name":"a","image":"a"}]}}`,
		current:   `{"spec":{"containers":[{"name":"a","image":"a","env":[{"name":"INJECTED","value":"1"}]},{"name":"b","image":"b"}]}}`,
		want:      `{"spec":{"containers":[{"name":"a","image":"a","env":[{"name":"INJECTED","value":"1"}]}]}}`,
		wantPatch: `{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"name":"b","$patch":"delete"}]}}`,
	},
	{
		name:      "(d) a new image touches only its container",
		original:  `{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}}`,
		modified:  `{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:2"}]}}`,
		current:   `{"spec":{"containers":[{"name":"a","image":"a:1","env":[{"name":"X"}]},{"name":"b","image":"b:1","ports":[{"containerPort":80}]}]}}`,
		want:      `{"spec":{"containers":[{"name":"a","image":"a:1","env":[{"name":"X"}]},{"name":"b","image":"b:2","ports":[{"containerPort":80}]}]}}`,
		wantPatch: `{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"name":"b","image":"b:2"}]}}`,
	},
	{
		name:      "(e) reordered containers are reordered",
		original:  `{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}`,
		modified:  `{"spec":{"containers":[{"name":"b"},{"name":"a"}]}}`,
		current:   `{"spec":{"containers":[{"name":"a"},{"name":"sidecar"},{"name":"b"}]}}`,
		want:      `{"spec":{"containers":[{"name":"b"},{"name":"a"},{"name":"sidecar"}]}}`,
		wantPatch: `{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}]}}`,
	},
	{
		name:      "(e) reordered primitives are reordered",
		original:  `{"metadata":{"finalizers":["x","y"]}}`,
		modified:  `{"metadata":{"finalizers":["y","x"]}}`,
		current:   `{"metadata":{"finalizers":["x","y"]}}`,
		want:      `{"metadata":{"finalizers":["y","x"]}}`,
		wantPatch: `{"metadata":{"$setElementOrder/finalizers":["y","x"]}}`,
	},
	{
		name:      "same order is no change",
		original:  `{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}`,
		modified:  `{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}`,
		current:   `{"spec":{"containers":[{"name":"a"},{"name":"sidecar"},{"name":"b"}]}}`,
		want:      `{"spec":{"containers":[{"name":"a"},{"name":"sidecar"},{"name":"b"}]}}`,
		wantPatch: `{}`,
	},
	{
		name:      "a finalizer dropped from the manifest goes, a controller's stays",
		original:  `{"metadata":{"finalizers":["mine","old"]}}`,
		modified:  `{"metadata":{"finalizers":["mine","new"]}}`,
		current:   `{"metadata":{"finalizers":["controller","mine","old"]}}`,
		want:      `{"metadata":{"finalizers":["mine","new","controller"]}}`,
		wantPatch: `{"metadata":{"$deleteFromPrimitiveList/finalizers":["old"],"$setElementOrder/finalizers":["mine","new"],"finalizers":["new"]}}`,
	},
	{
		name:      "an env var dropped from the manifest goes",
		original:  `{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}]}]}}`,
		modified:  `{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"}]}]}}`,
		current:   `{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"},{"name":"Z","value":"3"}]}]}}`,
		want:      `{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},{"name":"Z","value":"3"}]}]}}`,
		wantPatch: `{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"name":"a","$setElementOrder/env":[{"name":"X"}],"env":[{"name":"Y","$patch":"delete"}]}]}}`,
	},
	{
		name:     "a port dropped by number",
		original: `{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80},{"containerPort":443}]}]}}`,
		modified: `{"spec":{"containers":[{"name":"a","ports":[{"containerPort":443,"name":"https"}]}]}}`,
		current:  `{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP"}]}]}}`,
		want:     `{"spec":{"containers":[{"name":"a","ports":[{"containerPort":443,"name":"https","protocol":"TCP"}]}]}}`,
	},
	{
		name:      "first apply keeps what the server set",
		modified:  `{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"i"}]}}`,
		current:   `{"metadata":{"name":"p","uid":"u","resourceVersion":"7"},"spec":{"containers":[{"name":"a","image":"i","imagePullPolicy":"Always"}]},"status":{"phase":"Pending"}}`,
		want:      `{"metadata":{"name":"p","uid":"u","resourceVersion":"7"},"spec":{"containers":[{"name":"a","image":"i","imagePullPolicy":"Always"}]},"status":{"phase":"Pending"}}`,
		wantPatch: `{}`,
	},
	{
		name:      "retainKeys clears the other members of a one-of",
		original:  `{"spec":{"strategy":{"type":"RollingUpdate"}}}`,
		modified:  `{"spec":{"strategy":{"type":"Recreate"}}}`,
		current:   `{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%"}}}}`,
		want:      `{"spec":{"strategy":{"type":"Recreate"}}}`,
		wantPatch: `{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}`,
	},
	{
		name:      "retainKeys in a volume drops a source applied by no one",
		modified:  `{"spec":{"volumes":[{"name":"v","hostPath":{"path":"/d"}}]}}`,
		current:   `{"spec":{"volumes":[{"name":"v","emptyDir":{}},{"name":"w","emptyDir":{}}]}}`,
		want:      `{"spec":{"volumes":[{"name":"v","hostPath":{"path":"/d"}},{"name":"w","emptyDir":{}}]}}`,
		wantPatch: `{"spec":{"$setElementOrder/volumes":[{"name":"v"}],"volumes":[{"name":"v","hostPath":{"path":"/d"},"$retainKeys":["hostPath","name"]}]}}`,
	},
	{
		name:      "an atomic value is sent whole",
		original:  `{"spec":{"strategy":{"rollingUpdate":{"maxSurge":{"a":1,"b":2}}}}}`,
		modified:  `{"spec":{"strategy":{"rollingUpdate":{"maxSurge":{"a":1}}}}}`,
		current:   `{"spec":{"strategy":{"rollingUpdate":{"maxSurge":{"a":1,"b":2}}}}}`,
		want:      `{"spec":{"strategy":{"rollingUpdate":{"maxSurge":{"a":1}}}}}`,
		wantPatch: `{"spec":{"strategy":{"$retainKeys":["rollingUpdate"],"rollingUpdate":{"maxSurge":{"a":1}}}}}`,
	},
	{
		name:      "a replaced list is sent whole",
		original:  `{"spec":{"tolerations":[{"key":"a"}],"containers":[{"name":"c","args":["x"]}]}}`,
		modified:  `{"spec":{"tolerations":[{"key":"a"},{"key":"b"}],"containers":[{"name":"c","args":["x"]}]}}`,
		current:   `{"spec":{"tolerations":[{"key":"a"},{"key":"node"}],"containers":[{"name":"c","args":["x"]}]}}`,
		want:      `{"spec":{"tolerations":[{"key":"a"},{"key":"b"}],"containers":[{"name":"c","args":["x"]}]}}`,
		wantPatch: `{"spec":{"tolerations":[{"key":"a"},{"key":"b"}]}}`,
	},
	{
		name:      "duplicate keys in the manifest replace the list",
		original:  `{"spec":{"containers":[{"name":"a"}]}}`,
		modified:  `{"spec":{"containers":[{"name":"a","image":"1"},{"name":"a","image":"2"}]}}`,
		current:   `{"spec":{"containers":[{"name":"a"}]}}`,
		want:      `{"spec":{"containers":[{"name":"a","image":"1"},{"name":"a","image":"2"}]}}`,
		wantPatch: `{"spec":{"containers":[{"$patch":"replace"},{"name":"a","image":"1"},{"name":"a","image":"2"}]}}`,
	},
	{
		name:     "a field of another type in current is replaced",
		original: `{}`,
		modified: `{"spec":{"containers":[],"nodeSelector":{"a":"b"}},"metadata":{"finalizers":["f"]}}`,
		current:  `{"spec":{"containers":"x","nodeSelector":3},"metadata":{"finalizers":{"f":1}}}`,
		want:     `{"spec":{"containers":[],"nodeSelector":{"a":"b"}},"metadata":{"finalizers":["f"]}}`,
	},
	{
		name:      "null in the manifest deletes",
		original:  `{}`,
		modified:  `{"spec":{"nodeSelector":null}}`,
		current:   `{"spec":{"nodeSelector":{"a":"b"}}}`,
		want:      `{"spec":{}}`,
		wantPatch: `{"spec":{"nodeSelector":null}}`,
	},
}

func TestCreateThreeWayMergePatch(t *testing.T) {
	for _, tc := range applyCases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := CreateThreeWayMergePatch([]byte(tc.original), []byte(tc.modified), []byte(tc.current), podType)
			if err != nil {
				t.Fatalf("CreateThreeWayMergePatch: %v", err)
			}
			if tc.wantPatch != "" {
				sameJSON(t, p, tc.wantPatch)
			}
			got, err := StrategicMergePatch([]byte(tc.current), p, podType)
			if err != nil {
				t.Fatalf("StrategicMergePatch of %s: %v", p, err)
			}
			sameJSON(t, got, tc.want)
		})
	}
}

func TestCreateTwoWayMergePatch(t *testing.T) {
	for _, tc := range []struct {
		name, original, modified, want string
	}{
		{"no change", `{"metadata":{"name":"p"}}`, `{"metadata":{"name":"p"}}`, `{}`},
		{"from nothing", ``, `{"metadata":{"name":"p"}}`, `{"metadata":{"name":"p"}}`},
		{
			"keyed list change",
			`{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b"}]}}`,
			`{"spec":{"containers":[{"name":"c"},{"name":"a","image":"2"}]}}`,
			`{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"}],"containers":[{"name":"c"},{"name":"a","image":"2"},{"name":"b","$patch":"delete"}]}}`,
		},
		{
			"primitive list change",
			`{"metadata":{"finalizers":["a","b"]}}`,
			`{"metadata":{"finalizers":["c","a"]}}`,
			`{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"],"$setElementOrder/finalizers":["c","a"],"finalizers":["c"]}}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := CreateTwoWayMergePatch([]byte(tc.original), []byte(tc.modified), podType)
			if err != nil {
				t.Fatalf("CreateTwoWayMergePatch: %v", err)
			}
			sameJSON(t, p, tc.want)
			orig := tc.original
			if orig == "" {
				orig = "{}"
			}
			got, err := StrategicMergePatch([]byte(orig), p, podType)
			if err != nil {
				t.Fatalf("StrategicMergePatch of %s: %v", p, err)
			}
			sameJSON(t, got, tc.modified)
		})
	}
}

func TestCreateThreeWayMergePatchErrors(t *testing.T) {
	for _, tc := range []struct {
		name, original, modified, current string
	}{
		{"malformed original", `{`, `{}`, `{}`},
		{"original not an object", `[]`, `{}`, `{}`},
		{"no manifest", `{}`, ``, `{}`},
		{"manifest not an object", `{}`, `"x"`, `{}`},
		{"malformed current", `{}`, `{}`, `{"a":}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := CreateThreeWayMergePatch([]byte(tc.original), []byte(tc.modified), []byte(tc.current), podType); err == nil {
				t.Error("got no error, want one")
			}
		})
	}
}

// TestTwoWayNullInBoth: a field null on both sides is no change.
func TestTwoWayNullInBoth(t *testing.T) {
	got, err := CreateTwoWayMergePatch([]byte(`{"metadata":{"creationTimestamp":null},"a":1}`), []byte(`{"metadata":{"creationTimestamp":null},"a":2}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":2}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
