// Package codec turns manifests and request bodies (JSON or YAML, one or many
// documents) into objects, strictly: an unknown or mis-cased field is an
// error that names its path, never silently dropped.
package codec
