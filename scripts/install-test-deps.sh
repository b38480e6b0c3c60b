#!/usr/bin/env bash
# System packages the tests and the encoder need, from Debian: installed only
# when missing (needs root or sudo). ffmpeg brings ffprobe with libx264,
# libx265, libsvtav1, FFV1 and FLAC; sqlite3 lets tests tamper with the state file.
set -euo pipefail
packages=(ffmpeg sqlite3 openssl python3-jwt python3-cryptography)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-test-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
