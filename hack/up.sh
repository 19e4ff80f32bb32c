#!/usr/bin/env bash
# Starts Wharf on this machine in the background: containerd if it is not
# running, then `wharf up` (the control plane, with this machine as its
# node), and waits until the node is Ready. The test images
# (bin/images/wharf-test-{1,2}.tar, `make test-image`) are imported into
# containerd first, so that pods of wharf.local/wharf-test:1 and :2 start
# without a registry.
#
# State, logs, pidfiles and the admin kubeconfig live in $DATA_DIR (default
# ~/.wharf). PORT (6443) is the API server's; CONTAINERD_ADDRESS the
# containerd socket; UP_FLAGS more flags for `wharf up` (see its --help).
# `make down` undoes all of it.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA_DIR=${DATA_DIR:-$HOME/.wharf}
PORT=${PORT:-6443}
CONTAINERD_ADDRESS=${CONTAINERD_ADDRESS:-/run/containerd/containerd.sock}
UP_FLAGS=${UP_FLAGS:-}
NAMESPACE=wharf # `wharf up`'s default --containerd-namespace
mkdir -p "$DATA_DIR"
pidfile="$DATA_DIR/wharf.pid"
log="$DATA_DIR/wharf.log"
cdpidfile="$DATA_DIR/containerd.pid"
cdlog="$DATA_DIR/containerd.log"
kubeconfig="$DATA_DIR/admin.kubeconfig"
wharf="bin/wharf --kubeconfig $kubeconfig"

if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "wharf is already running (pid $(cat "$pidfile")); 'make down' stops it"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "up: a real node runs containers, network namespaces and mounts: run as root (sudo make up)" >&2
  exit 1
fi

# containerd: the one answering at CONTAINERD_ADDRESS, else the system's
# service, else one of our own whose pid `make down` stops.
ctr_ok() { timeout 5 ctr --address "$CONTAINERD_ADDRESS" version >/dev/null 2>&1; }
if ctr_ok; then
  echo "containerd is running at $CONTAINERD_ADDRESS"
else
  if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && [ "$CONTAINERD_ADDRESS" = /run/containerd/containerd.sock ]; then
    echo "starting containerd (systemctl start containerd)"
    systemctl start containerd
  else
    echo "starting containerd at $CONTAINERD_ADDRESS (log $cdlog)"
    nohup containerd --address "$CONTAINERD_ADDRESS" >"$cdlog" 2>&1 &
    echo $! >"$cdpidfile"
  fi
  for _ in $(seq 1 300); do
    ctr_ok && break
    if [ -f "$cdpidfile" ] && ! kill -0 "$(cat "$cdpidfile")" 2>/dev/null; then
      echo "up: containerd exited during start-up; its log ($cdlog):" >&2
      tail -n 30 "$cdlog" >&2
      rm -f "$cdpidfile"
      exit 1
    fi
    sleep 0.1
  done
  if ! ctr_ok; then
    echo "up: containerd does not answer at $CONTAINERD_ADDRESS after 30 s" >&2
    [ -f "$cdlog" ] && tail -n 30 "$cdlog" >&2
    exit 1
  fi
fi

# The test images; ctr unpacks them for the overlayfs snapshotter.
for tar in bin/images/wharf-test-1.tar bin/images/wharf-test-2.tar; do
  if [ ! -f "$tar" ]; then
    echo "up: $tar is missing: run 'make test-image' (make up does)" >&2
    exit 1
  fi
  ctr --address "$CONTAINERD_ADDRESS" -n "$NAMESPACE" images import "$tar" >/dev/null
done
echo "imported wharf.local/wharf-test:1 and :2 into containerd namespace $NAMESPACE"

# shellcheck disable=SC2086 # UP_FLAGS is a list of flags
nohup bin/wharf up --data-dir "$DATA_DIR" --port "$PORT" --containerd-address "$CONTAINERD_ADDRESS" $UP_FLAGS >"$log" 2>&1 &
pid=$!
echo "$pid" >"$pidfile"

fail() {
  echo "up: $1; wharf's log ($log):" >&2
  tail -n 30 "$log" >&2
  exit 1
}
deadline=$((SECONDS + 60))
while [ "$SECONDS" -lt "$deadline" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$pidfile"
    fail "wharf exited during start-up"
  fi
  if [ -f "$kubeconfig" ] && $wharf get nodes --no-headers 2>/dev/null | grep -q ' Ready '; then
    node=$($wharf get nodes --no-headers | awk '$2 == "Ready" {print $1; exit}')
    w="bin/wharf --kubeconfig $kubeconfig" down="DATA_DIR=$DATA_DIR make down"
    if [ "$DATA_DIR" = "$HOME/.wharf" ]; then w="bin/wharf" down="make down"; fi
    cat <<EOF
wharf is up (pid $pid): API server https://127.0.0.1:$PORT, node $node Ready
kubeconfig: $kubeconfig
logs:       $log

Run 3 replicas of the test image (wharf.local/wharf-test:1, already imported):
  $w apply -f examples/web.yaml
  $w get pods -o wide            # each pod's IP answers from this machine:
  curl http://POD_IP:8080/
  $w logs POD
  $w exec POD -- /testimage -print-env     # the image has no shell
  KUBECONFIG=$kubeconfig kubectl get pods

'$down' stops it and removes the node's containers, pod networks and images
(the API objects stay for the next 'make up'; PURGE=1 removes $DATA_DIR too).
EOF
    exit 0
  fi
  sleep 0.1
done
fail "the node did not become Ready within 60 s"
