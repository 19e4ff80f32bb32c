// Package table holds what the server-side table renderings of every kind
// share: the AGE column's human durations, and the cell formats `kubectl
// get` prints for lists, maps and label selectors ("<none>" when empty).
package table
