#!/usr/bin/env bash
# Times a 100-replica Deployment on 50 simulated nodes with the real
# binaries: apply to `rollout status` done, then a `set image` rolling
# update to done. RUNS runs (default 3), each on a fresh server.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
manifest=$(mktemp)
trap 'rm -f "$manifest"' EXIT
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
now() { date +%s.%N; }
for run in $(seq "$RUNS"); do
  d=$(mktemp -d /tmp/wharf-bench-XXXX)
  bin/wharf server --data-dir "$d" --port 0 --log-level error >"$d/server.log" 2>&1 & sp=$!
  until [ -f "$d/admin.kubeconfig" ]; do sleep 0.1; done
  w="bin/wharf --kubeconfig $d/admin.kubeconfig"
  until $w get ns >/dev/null 2>&1; do sleep 0.1; done
  bin/wharf agent --kubeconfig "$d/admin.kubeconfig" --simulate 50 --log-level error >"$d/agent.log" 2>&1 & ap=$!
  until [ "$($w get nodes --no-headers 2>/dev/null | grep -c ' Ready ')" = 50 ]; do sleep 0.2; done
  s=$(now); $w apply -f "$manifest" >/dev/null; $w rollout status deployment/web --timeout 120s >/dev/null; e=$(now)
  $w set image deployment/web web=wharf.local/wharf-test:2 >/dev/null; $w rollout status deployment/web --timeout 120s >/dev/null; f=$(now)
  awk -v r="$run" -v s="$s" -v e="$e" -v f="$f" 'BEGIN { printf "run %d: create to rolled out %.2f s, rolling update %.2f s\n", r, e - s, f - e }'
  kill "$ap"; wait "$ap" 2>/dev/null || true
  kill "$sp"; wait "$sp" 2>/dev/null || true
  rm -rf "$d"
done
