#!/usr/bin/env bash
# Builds the pinned MinIO server and mc from source with `go install` into
# .tools/bin (git-ignored), as the community edition is distributed as
# source only. A binary already built from the pinned version is reused.
# These two pseudo-versions are ones the Go module proxy serves (checked).
#
#   --check   build nothing: list what is missing on stderr, exit 1 if anything is
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
check_only=false
[ "${1:-}" = "--check" ] && check_only=true

pins=(
  "minio github.com/minio/minio v0.0.0-20260212201848-7aac2a2c5b7c"
  "mc github.com/minio/mc v0.0.0-20250313080218-cf909e1063a9"
)

present() {
  local name=$1 module=$2 version=$3
  [ -x "$bin/$name" ] && [ "$(cat "$bin/$name.version" 2>/dev/null)" = "$module@$version" ]
}

if $check_only; then
  missing=()
  for pin in "${pins[@]}"; do
    # shellcheck disable=SC2086
    present $pin || missing+=("${pin%% *}")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "install-minio: missing the pinned ${missing[*]} in .tools/bin" >&2
    exit 1
  fi
  exit 0
fi

mkdir -p "$bin"
command -v go >/dev/null || { echo "install-minio: Go is needed to build MinIO and mc (https://go.dev/dl/)" >&2; exit 1; }
# one build at a time: worktrees and concurrent test runs may share .tools
exec 9>"$bin/.install-minio.lock"
flock 9

install() {
  local name=$1 module=$2 version=$3
  present "$name" "$module" "$version" && return 0
  echo "install-minio: building $name ($module@$version), a few minutes on a cold cache" >&2
  local log
  log=$(mktemp)
  if ! GOBIN="$bin" GOFLAGS=-mod=mod go install "$module@$version" >"$log" 2>&1; then
    echo "install-minio: go install $module@$version failed:" >&2
    tail -20 "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
  echo "$module@$version" >"$bin/$name.version"
}

for pin in "${pins[@]}"; do
  # shellcheck disable=SC2086
  install $pin
done
