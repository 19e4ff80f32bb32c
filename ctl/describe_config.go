package ctl

import (
	"context"
	"encoding/base64"
)

// describeConfigMap writes the data of a config map whole, as kubectl
// does: it is configuration, meant to be read.
func describeConfigMap(_ context.Context, _ *session, w *describeWriter, o object) {
	w.write(0, "Name:\t%s\n", o.name())
	w.write(0, "Namespace:\t%s\n", o.namespace())
	describeLabels(w, 0, "Labels", o.stringMap("metadata", "labels"))
	describeAnnotations(w, 0, o.stringMap("metadata", "annotations"))
	w.write(0, "\nData\n====\n")
	data := o.stringMap("data")
	for _, k := range sortedKeys(data) {
		w.write(0, "%s:\n----\n", k)
		w.write(0, "%s\n", data[k])
		w.write(0, "\n")
	}
	w.write(0, "\nBinaryData\n====\n")
	bin := o.stringMap("binaryData")
	for _, k := range sortedKeys(bin) {
		w.write(0, "%s: %d bytes\n", k, decodedLen(bin[k]))
	}
	w.write(0, "\n")
}

// describeSecret writes the sizes of a secret's values, never the values.
func describeSecret(_ context.Context, _ *session, w *describeWriter, o object) {
	w.write(0, "Name:\t%s\n", o.name())
	w.write(0, "Namespace:\t%s\n", o.namespace())
	describeLabels(w, 0, "Labels", o.stringMap("metadata", "labels"))
	describeAnnotations(w, 0, o.stringMap("metadata", "annotations"))
	w.write(0, "\nType:\t%s\n", orDefault(o.str("type"), "Opaque"))
	w.write(0, "\nData\n====\n")
	data := o.stringMap("data")
	for _, k := range sortedKeys(data) {
		w.write(0, "%s:\t%d bytes\n", k, decodedLen(data[k]))
	}
}

// decodedLen is the length of base64 data once decoded.
func decodedLen(s string) int {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return len(s)
	}
	return len(b)
}
