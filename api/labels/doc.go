// Package labels parses and evaluates label selectors with Kubernetes'
// syntax and semantics: the string form used in ?labelSelector= and on the
// command line ("app=web,tier!=db,env in (prod,staging),!canary"), and the
// structured form (meta.LabelSelector) used in specs.
//
// A Selector is immutable; its Requirements are sorted by key, so equal
// selectors print the same String.
package labels
