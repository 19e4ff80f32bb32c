#!/usr/bin/env bash
# A local image registry for tests and `--insecure-registry`: Debian's
# docker-registry (package docker-registry) on 127.0.0.1, plain HTTP, no
# authentication, with its configuration, storage, log and pidfile in DIR.
#
#   hack/registry.sh start DIR                   starts it on a free port; prints 127.0.0.1:PORT
#   hack/registry.sh addr DIR                    prints the address of the one running
#   hack/registry.sh push DIR IMAGE_TAR NAME:TAG pushes an OCI layout tarball (hack/build-test-image.sh)
#   hack/registry.sh stop DIR                    stops it (by its pid); DIR is kept
#
# push builds and runs hack/ocipush; NAME:TAG may also be given as
# 127.0.0.1:PORT/NAME:TAG. Pods then use the image 127.0.0.1:PORT/NAME:TAG on
# a node started with --insecure-registry 127.0.0.1:PORT.
set -euo pipefail

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
[ $# -ge 2 ] || usage
cmd=$1
dir=$2
root=$(cd "$(dirname "$0")/.." && pwd)
pidfile="$dir/registry.pid"
addrfile="$dir/registry.addr"
log="$dir/registry.log"

running() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

case "$cmd" in
start)
  [ $# -eq 2 ] || usage
  if running; then
    echo "registry already running (pid $(cat "$pidfile")) at $(cat "$addrfile")"
    exit 0
  fi
  bin=$(command -v docker-registry || true)
  if [ -z "$bin" ]; then
    echo "registry: docker-registry is not installed (apt-get install docker-registry; make deps installs it)" >&2
    exit 1
  fi
  mkdir -p "$dir/storage"
  dir=$(cd "$dir" && pwd)
  pidfile="$dir/registry.pid" addrfile="$dir/registry.addr" log="$dir/registry.log"
  # Port 0: the kernel picks a free one and the registry logs which.
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:0
  secret: wharf-local-registry
EOF
  rm -f "$addrfile"
  nohup "$bin" serve "$dir/config.yml" >"$log" 2>&1 &
  pid=$!
  echo "$pid" >"$pidfile"
  addr=
  for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "registry: docker-registry exited during start-up; its log ($log):" >&2
      tail -n 20 "$log" >&2
      rm -f "$pidfile"
      exit 1
    fi
    addr=$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$log" | head -n 1 | awk '{print $3}' || true)
    if [ -n "$addr" ] && curl -sf "http://$addr/v2/" >/dev/null 2>&1; then
      break
    fi
    addr=
    sleep 0.1
  done
  if [ -z "$addr" ]; then
    echo "registry: not answering within 10 s; its log ($log):" >&2
    tail -n 20 "$log" >&2
    kill "$pid" 2>/dev/null || true
    rm -f "$pidfile"
    exit 1
  fi
  echo "$addr" >"$addrfile"
  echo "registry running (pid $pid) at $addr"
  ;;
addr)
  [ $# -eq 2 ] || usage
  running || { echo "registry: not running in $dir" >&2; exit 1; }
  cat "$addrfile"
  ;;
push)
  [ $# -eq 4 ] || usage
  running || { echo "registry: not running in $dir ('$0 start $dir' first)" >&2; exit 1; }
  addr=$(cat "$addrfile")
  ref=${4#"$addr/"}
  tool="$dir/ocipush"
  (cd "$root" && "${GO:-go}" build -o "$tool" ./hack/ocipush)
  "$tool" "$3" "$addr/$ref"
  ;;
stop)
  [ $# -eq 2 ] || usage
  if [ ! -f "$pidfile" ]; then
    echo "registry: not running (no $pidfile)"
    exit 0
  fi
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "registry (pid $pid) did not stop within 10 s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "registry stopped (pid $pid)"
  else
    echo "registry was not running (stale pid $pid)"
  fi
  rm -f "$pidfile" "$addrfile"
  ;;
*)
  usage
  ;;
esac
