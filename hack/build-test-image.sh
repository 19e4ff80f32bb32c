#!/usr/bin/env bash
# Builds Wharf's test image (hack/testimage) as two OCI image layout tarballs,
# without Docker or a registry:
#
#   OUT_DIR/wharf-test-1.tar   wharf.local/wharf-test:1   VERSION=1
#   OUT_DIR/wharf-test-2.tar   wharf.local/wharf-test:2   VERSION=2
#
# The tags differ only in VERSION, so a Deployment can roll from one to the
# other. Output is reproducible: running it again rewrites identical files.
# IMAGE_NAME overrides the repository name; GOARCH cross-builds.
# Import with: ctr -n wharf images import OUT_DIR/wharf-test-1.tar
#
# PUSH_TO=HOST:PORT also pushes both tags to that registry over plain HTTP
# (e.g. the local one of `hack/registry.sh start DIR`), as
# HOST:PORT/wharf-test:1 and :2, for pull tests (--insecure-registry).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
name=${IMAGE_NAME:-wharf.local/wharf-test}
go=${GO:-go}
arch=$("$go" env GOARCH)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The image's filesystem: the static binary, plus /etc and /tmp so runtimes
# have somewhere to put hosts, resolv.conf and scratch files.
rootfs=$work/rootfs
mkdir -p "$rootfs/etc" "$rootfs/tmp"
chmod 0755 "$rootfs" "$rootfs/etc"
chmod 1777 "$rootfs/tmp"
(cd "$root" &&
  CGO_ENABLED=0 GOOS=linux "$go" build -trimpath -buildvcs=false -ldflags='-s -w' \
    -o "$rootfs/testimage" ./hack/testimage &&
  "$go" build -o "$work/ocipack" ./hack/ocipack) >&2
chmod 0755 "$rootfs/testimage"

for version in 1 2; do
  tarball=$out/wharf-test-$version.tar
  "$work/ocipack" -root "$rootfs" -ref "$name:$version" -arch "$arch" \
    -entrypoint /testimage -env "VERSION=$version" -port 8080/tcp -out "$tarball"
  echo "$tarball"
done

if [ -n "${PUSH_TO:-}" ]; then
  (cd "$root" && "$go" build -o "$work/ocipush" ./hack/ocipush) >&2
  for version in 1 2; do
    "$work/ocipush" "$out/wharf-test-$version.tar" "$PUSH_TO/wharf-test:$version" >&2
    echo "$PUSH_TO/wharf-test:$version"
  done
fi
