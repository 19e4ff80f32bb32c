// Package builtin assembles the scheme of every kind Wharf serves. It is
// the one place that knows all the API groups, so that the groups do not
// import each other and components take the scheme as a value.
package builtin
