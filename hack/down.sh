#!/usr/bin/env bash
# Stops the Wharf started by `make up` (by its pid) and waits for it to exit.
# State in $DATA_DIR is kept; `make down PURGE=1` removes it too.
set -euo pipefail

DATA_DIR=${DATA_DIR:-$HOME/.wharf}
pidfile="$DATA_DIR/wharf.pid"
if [ ! -f "$pidfile" ]; then
  echo "wharf is not running (no $pidfile)"
else
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 300); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "wharf (pid $pid) did not stop within 30 s; sending SIGKILL" >&2
      kill -KILL "$pid"
    fi
    echo "wharf stopped (pid $pid)"
  else
    echo "wharf was not running (stale pid $pid)"
  fi
  rm -f "$pidfile"
fi
if [ "${PURGE:-0}" = 1 ]; then
  rm -rf "$DATA_DIR"
  echo "removed $DATA_DIR"
fi
