// Package client is the typed REST client that every Wharf component and
// the CLI use to talk to the API server: HTTPS with a bearer token, the
// Kubernetes wire format, errors turned back into errdefs, watches decoded
// into typed events, and informers that keep a local cache of a kind in
// step with the server through list+watch.
//
// There is no generated code: For[T] gives a typed Resource for any kind in
// the scheme, Dynamic handles raw JSON for any kind (the CLI's manifests),
// and Do reaches everything else (tables, discovery, /version).
package client
