// Package e2e holds Wharf's end-to-end tests: they run the built binary
// (bin/wharf, from `make build`) as a user would, and drive it with the
// wharf CLI and the machine's kubectl. Run them with
//
//	make e2e    # or: go test -tags e2e ./hack/e2e/...
package e2e
