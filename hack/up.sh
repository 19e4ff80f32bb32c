#!/usr/bin/env bash
# Starts Wharf on this machine in the background and waits until it is ready.
# State, logs and the admin kubeconfig live in $DATA_DIR (default ~/.wharf).
set -euo pipefail
cd "$(dirname "$0")/.."

DATA_DIR=${DATA_DIR:-$HOME/.wharf}
PORT=${PORT:-6443}
mkdir -p "$DATA_DIR"
pidfile="$DATA_DIR/wharf.pid"
log="$DATA_DIR/wharf.log"

if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "wharf is already running (pid $(cat "$pidfile")); 'make down' stops it"
  exit 0
fi

nohup bin/wharf server --data-dir "$DATA_DIR" --port "$PORT" >"$log" 2>&1 &
pid=$!
echo "$pid" >"$pidfile"

for _ in $(seq 1 300); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "wharf exited during start-up; its log ($log):" >&2
    tail -n 30 "$log" >&2
    rm -f "$pidfile"
    exit 1
  fi
  if curl -ksf "https://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then
    echo "wharf is up (pid $pid), serving https://127.0.0.1:$PORT"
    if [ "$DATA_DIR" = "$HOME/.wharf" ]; then
      echo "  kubeconfig: $DATA_DIR/admin.kubeconfig (bin/wharf uses it by default)"
      echo "  try:        bin/wharf get namespaces"
    else
      echo "  kubeconfig: $DATA_DIR/admin.kubeconfig"
      echo "  try:        bin/wharf --kubeconfig $DATA_DIR/admin.kubeconfig get namespaces"
    fi
    echo "              KUBECONFIG=$DATA_DIR/admin.kubeconfig kubectl get ns"
    echo "  logs:       $log;  stop with 'make down'"
    exit 0
  fi
  sleep 0.1
done
echo "wharf did not become ready within 30 s; its log ($log):" >&2
tail -n 30 "$log" >&2
exit 1
