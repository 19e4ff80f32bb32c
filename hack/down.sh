#!/usr/bin/env bash
# Undoes `make up`: stops wharf (by its pid), removes everything its node
# created on this machine (`wharf cleanup`: containers, images and the
# containerd namespace, pod networks and the bridge, /run/wharf,
# /var/lib/wharf, cgroup directories), and stops containerd if `make up`
# started it (by its pid). The API server's state in $DATA_DIR is kept, so
# the next `make up` runs the same objects again; `make down PURGE=1`
# removes it too.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA_DIR=${DATA_DIR:-$HOME/.wharf}
CONTAINERD_ADDRESS=${CONTAINERD_ADDRESS:-/run/containerd/containerd.sock}

# stop NAME PIDFILE SECONDS: SIGTERM, a bounded wait, then SIGKILL.
stop() {
  local name=$1 pidfile=$2 secs=$3 pid
  if [ ! -f "$pidfile" ]; then
    return 1
  fi
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 $((secs * 10))); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$name (pid $pid) did not stop within $secs s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "$name stopped (pid $pid)"
  else
    echo "$name was not running (stale pid $pid)"
  fi
  rm -f "$pidfile"
}

stop wharf "$DATA_DIR/wharf.pid" 30 || echo "wharf is not running (no $DATA_DIR/wharf.pid)"

if [ ! -x bin/wharf ]; then
  echo "down: bin/wharf is missing, so nothing of the node was removed: 'make build', then 'make down' again" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "down: removing the node's containers, networks and mounts needs root (sudo make down)" >&2
  exit 1
fi
cleanup_log="$DATA_DIR/cleanup.log"
mkdir -p "$DATA_DIR"
if ! bin/wharf cleanup --containerd-address "$CONTAINERD_ADDRESS" >"$cleanup_log" 2>&1; then
  echo "down: wharf cleanup failed; its output ($cleanup_log):" >&2
  cat "$cleanup_log" >&2
  exit 1
fi
grep -E 'level=WARN|cleanup finished' "$cleanup_log" | sed 's/^time=[^ ]* //' || true

# Only a containerd that `make up` started itself; a system service stays.
stop containerd "$DATA_DIR/containerd.pid" 15 || true

if [ "${PURGE:-0}" = 1 ]; then
  rm -rf "$DATA_DIR"
  echo "removed $DATA_DIR"
fi
