#!/usr/bin/env bash
# gofmt, go vet and a go.mod that `go mod tidy` would not change.
set -euo pipefail
cd "$(dirname "$0")/.."

bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null; git ls-files --others --exclude-standard '*.go' 2>/dev/null))
if [ -n "$bad" ]; then
  echo "verify: gofmt would change:" >&2; echo "$bad" >&2; exit 1
fi
go vet ./...
if [ -d hack/e2e ]; then go vet -tags e2e ./hack/e2e/...; fi
cp go.mod /tmp/wharf-go.mod.$$; cp go.sum /tmp/wharf-go.sum.$$
go mod tidy
if ! diff -q go.mod /tmp/wharf-go.mod.$$ >/dev/null || ! diff -q go.sum /tmp/wharf-go.sum.$$ >/dev/null; then
  echo "verify: go.mod/go.sum were not tidy (fixed in the work tree; commit the change)" >&2
  rm -f /tmp/wharf-go.mod.$$ /tmp/wharf-go.sum.$$
  exit 1
fi
rm -f /tmp/wharf-go.mod.$$ /tmp/wharf-go.sum.$$
