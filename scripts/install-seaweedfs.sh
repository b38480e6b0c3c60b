#!/usr/bin/env bash
# Builds the pinned SeaweedFS server (`weed`, whose S3 gateway the S3
# compatibility tests run against) into .tools/bin (git-ignored). Its module
# carries a replace directive, so `go install module@version` is refused: the
# module is downloaded through the Go module proxy, copied to a temporary
# folder and built there. A binary already built from the pinned version is
# reused (version stamp as in scripts/install-minio.sh).
#   --check   build nothing: say what is missing on stderr, exit 1 if it is
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
module=github.com/seaweedfs/seaweedfs
version=v0.0.0-20261109003541-7506e5f91cd6
stamp="$bin/weed.version"
if [ "${1:-}" = "--check" ]; then
  [ -x "$bin/weed" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$module@$version" ] && exit 0
  echo "missing SeaweedFS (weed $module@$version in .tools/bin)" >&2
  exit 1
fi
mkdir -p "$bin"
command -v go >/dev/null || { echo "install-seaweedfs: Go is needed to build SeaweedFS (https://go.dev/dl/)" >&2; exit 1; }

if [ -x "$bin/weed" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$module@$version" ]; then
  exit 0
fi

echo "install-seaweedfs: building weed ($module@$version), about 5 minutes on a cold cache" >&2
work=$(mktemp -d)
log="$work/build.log"
trap 'chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"' EXIT
dir=$(GOFLAGS=-mod=mod go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
[ -n "$dir" ] && [ -d "$dir" ] || { echo "install-seaweedfs: go mod download $module@$version gave no module folder" >&2; exit 1; }
cp -R "$dir" "$work/src"
chmod -R u+w "$work/src"
if ! (cd "$work/src" && GOFLAGS=-mod=mod go build -o "$bin/weed.tmp" ./weed) >"$log" 2>&1; then
  echo "install-seaweedfs: go build ./weed failed:" >&2
  tail -20 "$log" >&2
  rm -f "$bin/weed.tmp"
  exit 1
fi
mv "$bin/weed.tmp" "$bin/weed"
echo "$module@$version" >"$stamp"
