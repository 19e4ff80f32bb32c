#!/usr/bin/env bash
# Runs every test: vet, unit and integration tests, a short fuzz pass, and the
# end-to-end tests against the built binary.
set -euo pipefail
cd "$(dirname "$0")/.."

hack/verify.sh
go test -count=1 -timeout 15m ./...
go test -count=1 -run '^$' -fuzz FuzzDecode -fuzztime 10s ./api/codec
if [ -d hack/e2e ]; then
  go test -count=1 -timeout 15m -tags e2e ./hack/e2e/...
fi
