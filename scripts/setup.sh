#!/usr/bin/env bash
# One-time set-up on a fresh machine: Node 24 if needed, ffmpeg, the npm
# dependencies, and a build of the CLI. Safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup-node.sh
# shellcheck source=scripts/env.sh
source scripts/env.sh
bash scripts/install-test-deps.sh
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build >/dev/null
