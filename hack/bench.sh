#!/usr/bin/env bash
# Benchmarks: API server creates per second beside raw etcd puts of the same
# objects on the same etcd, 1 and 32 concurrent clients. Prints the median
# of COUNT runs of each and the ratio of API server to etcd.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-5}
N=${N:-2000}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -run '^$' -bench 'BenchmarkCreate' -benchtime "${N}x" -count "$COUNT" ./apiserver | tee "$out"

echo
echo "medians of $COUNT runs (ops/s):"
awk '
  /^BenchmarkCreate\// {
    name = $1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkCreate\//, "", name)
    for (i = 1; i <= NF; i++) if ($(i+1) == "ops/s") v[name] = v[name] " " $i
  }
  function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    for (c = 1; c <= 32; c *= 32) {
      e = median(v["etcd-put/clients=" c]); a = median(v["apiserver-create/clients=" c])
      printf "  clients=%-3d etcd put %8.0f   apiserver create %8.0f   ratio %.2f\n", c, e, a, (e > 0 ? a / e : 0)
    }
  }' "$out"

echo
echo "scheduler throughput (pods bound per second, $COUNT runs each):"
go test -run '^$' -bench 'BenchmarkScheduling' -benchtime 1x -count "$COUNT" ./scheduler | tee "$out" | grep -E '^Benchmark' || true
awk '
  /^BenchmarkScheduling\// {
    name = $1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkScheduling\//, "", name)
    for (i = 1; i <= NF; i++) if ($(i+1) == "pods/s") v[name] = v[name] " " $i
  }
  function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END { for (k in v) printf "  %-12s median %8.0f pods/s\n", k, median(v[k]) }' "$out"

echo
echo "100-replica rollout on 50 simulated nodes:"
RUNS=$COUNT hack/bench-rollout.sh

echo
echo "pod start latency on a real node (private containerd, 30 pods):"
RUNS=${PODSTART_RUNS:-1} hack/bench-podstart.sh
