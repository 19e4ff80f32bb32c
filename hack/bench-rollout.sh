#!/usr/bin/env bash
# Times a 100-replica Deployment on 50 simulated nodes with the real
# binaries: apply to `rollout status` done, then a `set image` rolling
# update to done. RUNS runs (default 3), each on a fresh server.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
manifest=$(mktemp)
cat >"$manifest" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 100
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers: [{name: web, image: wharf.local/wharf-test:1}]
YAML
sp= ap= d=
# A failed run stops its server and agent (by their pids) all the same.
trap 'rm -f "$manifest"; [ -z "$ap" ] || kill "$ap" 2>/dev/null; [ -z "$sp" ] || kill "$sp" 2>/dev/null; true' EXIT
now() { date +%s.%N; }
# wait_for SECONDS WHAT COMMAND...: polls COMMAND until it succeeds.
wait_for() {
  local secs=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "bench-rollout: $what not within $secs s; logs in $d" >&2
      exit 1
    fi
    sleep 0.1
  done
}
ready_nodes() { [ "$($w get nodes --no-headers 2>/dev/null | grep -c ' Ready ')" = "$1" ]; }
for run in $(seq "$RUNS"); do
  d=$(mktemp -d /tmp/wharf-bench-XXXX)
  bin/wharf server --data-dir "$d" --port 0 --log-level error >"$d/server.log" 2>&1 & sp=$!
  wait_for 30 "the admin kubeconfig" test -f "$d/admin.kubeconfig"
  w="bin/wharf --kubeconfig $d/admin.kubeconfig"
  wait_for 30 "the API server" $w get ns
  bin/wharf agent --kubeconfig "$d/admin.kubeconfig" --simulate 50 --log-level error >"$d/agent.log" 2>&1 & ap=$!
  wait_for 60 "50 Ready nodes" ready_nodes 50
  s=$(now); $w apply -f "$manifest" >/dev/null; $w rollout status deployment/web --timeout 120s >/dev/null; e=$(now)
  $w set image deployment/web web=wharf.local/wharf-test:2 >/dev/null; $w rollout status deployment/web --timeout 120s >/dev/null; f=$(now)
  awk -v r="$run" -v s="$s" -v e="$e" -v f="$f" 'BEGIN { printf "run %d: create to rolled out %.2f s, rolling update %.2f s\n", r, e - s, f - e }'
  kill "$ap"; wait "$ap" 2>/dev/null || true; ap=
  kill "$sp"; wait "$sp" 2>/dev/null || true; sp=
  rm -rf "$d"
done
