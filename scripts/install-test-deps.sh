#!/usr/bin/env bash
# What the tests and the encoder need beyond npm, installed only when missing
# (needs root or sudo for apt): Debian's ffmpeg (ffprobe, libx264, libx265,
# libsvtav1, FFV1, FLAC), sqlite3 (tests tamper with the state file), openssl
# (test CAs), PyJWT (a second JWT implementation for the license tests), and
# moto's S3 server (a real S3 implementation that is not MinIO).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

packages=(ffmpeg sqlite3 openssl python3-jwt python3-cryptography python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-test-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

moto_version=5.2.5
venv="$root/.tools/moto"
if ! "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$moto_version')" 2>/dev/null; then
  echo "install-test-deps: installing moto[server]==$moto_version into .tools/moto" >&2
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$moto_version" >&2
fi
