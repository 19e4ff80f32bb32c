// Package scheme describes the kinds Wharf serves: for each, its group,
// version, resource names, scope, how it is defaulted, validated and printed,
// and which fields can be selected on. The API server, the client and the CLI
// all read the same descriptions, so a kind is added in one place.
package scheme
