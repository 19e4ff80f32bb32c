#!/usr/bin/env bash
# Installs what building and testing Wharf needs and is not on the machine.
# Idempotent: a second run installs nothing.
set -euo pipefail

need=()
command -v go >/dev/null 2>&1 || { echo "install-deps: Go 1.26 is required (https://go.dev/dl); not found on PATH" >&2; exit 1; }
command -v git >/dev/null 2>&1 || need+=(git)
command -v make >/dev/null 2>&1 || need+=(make)
command -v curl >/dev/null 2>&1 || need+=(curl ca-certificates)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
# Containers (nodeagent/containerd and its tests, which run a private
# containerd daemon) and pod networking (nodeagent/podnet): Debian's packages.
command -v containerd >/dev/null 2>&1 || need+=(containerd)
command -v runc >/dev/null 2>&1 || need+=(runc)
[ -x /usr/lib/cni/bridge ] || [ -x /opt/cni/bin/bridge ] || need+=(containernetworking-plugins)
# A local registry for pull tests and hack/registry.sh.
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "install-deps: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
  # Debian's docker-registry starts a system-wide registry on :5000 where
  # the init system lets it. Wharf runs its own on a free loopback port
  # only while needed (hack/registry.sh), so the one just installed stops.
  if [[ " ${need[*]} " == *" docker-registry "* ]]; then
    if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
      $SUDO systemctl disable --now docker-registry >/dev/null 2>&1 || true
    elif [ -x /etc/init.d/docker-registry ]; then
      $SUDO /etc/init.d/docker-registry stop >/dev/null 2>&1 || true
    fi
  fi
fi
