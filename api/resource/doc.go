// Package resource holds Quantity, the fixed-point number with unit suffixes
// ("500m", "128Mi", "1e3") that resource requests, limits, capacities and
// volume sizes are written in. It parses, compares, adds and prints
// quantities exactly as Kubernetes does, so that manifests and API replies
// read the same in both systems.
package resource
