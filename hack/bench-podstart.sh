#!/usr/bin/env bash
# Pod start latency on a real node: BenchmarkPodStart (hack/e2e) starts a
# private containerd with the test image and `wharf up` on it, then times
# PODS pods (default 30) of wharf.local/wharf-test:1 from their create
# request to Running as a client-side watch sees it, created back to back
# (burst) and one after another (one-by-one); and, in the same run, PODS
# runs of `ctr run --rm` of the same image on the same containerd, the
# floor a pod start is held against. RUNS runs (default 1).
#
# Needs root, containerd, runc and the CNI plugins (make deps); skipped
# without them. WHARF_E2E_BIN benchmarks another build of wharf.
set -euo pipefail
cd "$(dirname "$0")/.."
PODS=${PODS:-30}
RUNS=${RUNS:-1}

if [ "$(id -u)" -ne 0 ] || ! command -v containerd >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1; then
  echo "pod start: skipped (needs root, containerd and runc)"
  exit 0
fi
if [ -z "${WHARF_E2E_BIN:-}" ]; then
  "${GO:-go}" build -trimpath -o bin/wharf ./cmd/wharf
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"${GO:-go}" test -count=1 -tags e2e -timeout 20m -run '^$' -bench '^BenchmarkPodStart$' -benchtime 1x -count "$RUNS" \
  ./hack/e2e/ -args -podstart.pods "$PODS" | tee "$out"

echo
echo "pod start on a real node, $PODS pods, median over $RUNS run(s) of each figure (ms):"
awk '
  /^BenchmarkPodStart/ {
    for (i = 3; i < NF; i++) if ($(i+1) ~ /-ms$/) v[$(i+1)] = v[$(i+1)] " " $i
  }
  function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    printf "  burst (create all, then wait)   median %6.0f   p99 %6.0f\n", median(v["burst-median-ms"]), median(v["burst-p99-ms"])
    printf "  one by one                      median %6.0f   p99 %6.0f\n", median(v["one-by-one-median-ms"]), median(v["one-by-one-p99-ms"])
    printf "  ctr run --rm (same image)       median %6.0f\n", median(v["ctr-run-median-ms"])
  }' "$out"
