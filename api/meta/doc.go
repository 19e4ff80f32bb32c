// Package meta holds the object metadata shared by every Wharf kind: type and
// object meta, lists, Status, owner references, label selectors, times and the
// small value types (IntOrString) that the Kubernetes wire format uses.
//
// The JSON field names are Kubernetes' own, so that manifests written for
// Kubernetes decode unchanged and Kubernetes' clients understand the replies.
package meta
