#!/usr/bin/env bash
# What the tests and the encoder need beyond npm, installed only when missing
# (needs root or sudo for apt): Debian's ffmpeg (ffprobe, libx264, libx265,
# libsvtav1, FFV1, FLAC), sqlite3 (tests tamper with the state file), openssl
# (test CAs), PyJWT (a second JWT implementation for the license tests),
# PostgreSQL's server (initdb and pg_ctl, which Debian keeps off PATH in
# /usr/lib/postgresql/<version>/bin) for the PostgreSQL store's tests, and
# moto's S3 server (a real S3 implementation that is not MinIO); for the
# offline release the tests build: xz, binutils (strip), systemd
# (systemd-analyze verify of the units the .deb ships; nothing is started),
# Prometheus's promtool (the alert rules are checked and unit-tested),
# lintian (the .deb must show no error) and zsh (its completion is checked).
#
#   --check   install nothing: list what is missing on stderr, exit 1 if anything is
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check_only=false
[ "${1:-}" = "--check" ] && check_only=true

packages=(ffmpeg sqlite3 openssl python3-jwt python3-cryptography python3-venv postgresql xz-utils binutils systemd prometheus lintian zsh)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# the package alone is not enough: its versioned folder must hold the server binaries
if [[ ! " ${missing[*]} " =~ " postgresql " ]] && ! compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null; then
  missing+=(postgresql)
fi

moto_version=5.2.5
venv="$root/.tools/moto"
moto_ok=false
# the installed distribution's metadata folder names its version (faster than importing moto)
[ -x "$venv/bin/moto_server" ] && compgen -G "$venv/lib/python3*/site-packages/moto-$moto_version.dist-info" >/dev/null && moto_ok=true

if $check_only; then
  what=("${missing[@]}")
  $moto_ok || what+=("moto[server]==$moto_version (.tools/moto)")
  if [ ${#what[@]} -gt 0 ]; then
    echo "install-test-deps: missing ${what[*]}" >&2
    exit 1
  fi
  exit 0
fi

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null || ! sudo -n true 2>/dev/null; then
      echo "install-test-deps: ${missing[*]} must be installed with apt-get, which needs root;" \
        "run as root: bash scripts/install-test-deps.sh" >&2
      exit 1
    fi
    sudo="sudo -n"
  fi
  echo "install-test-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if ! $moto_ok; then
  echo "install-test-deps: installing moto[server]==$moto_version into .tools/moto" >&2
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$moto_version" >&2
fi
