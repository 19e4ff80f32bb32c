// Package e2e holds Wharf's end-to-end tests: they run the built binary
// (bin/wharf, from `make build`) as a user would, and drive it with the
// wharf CLI and the machine's kubectl. Run them with
//
//	make e2e    # or: go test -tags e2e ./hack/e2e/...
//
// The real-node tests (TestReal*) run pods on real containerd: the first of
// them starts one cluster that they all share, a private containerd daemon
// in a temporary directory with the test images imported and `wharf up` on
// it (its own bridge, pod CIDR and containerd namespace, so the machine's
// containerd and a `make up` cluster are left alone). TestMain tears it down
// with `wharf cleanup` and fails the run if a pod or the node left anything
// behind: containers, network namespaces, veths, mounts, cgroup directories.
// They need root, containerd, runc and the CNI plugins, and skip without
// them; TestRealImagePull also needs docker-registry. BenchmarkPodStart
// (hack/bench-podstart.sh, part of `make bench`) times pod starts on the
// same setup beside `ctr run`.
//
// WHARF_E2E_BIN runs the real-node tests against another build of wharf;
// WHARF_E2E_LOG_DIR keeps the logs of wharf up (at debug level) and
// containerd there.
//
//	go test -tags e2e ./hack/e2e/ -run TestReal -v
package e2e
