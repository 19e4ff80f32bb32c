// Package fields parses and evaluates field selectors with Kubernetes'
// syntax and semantics: comma-separated equality terms over a kind's
// selectable fields ("metadata.name=a,spec.nodeName!=n1,status.phase==Running").
//
// Which fields a kind supports is the scheme's business (scheme.Resource.Fields);
// this package only reads the syntax and compares strings.
package fields
