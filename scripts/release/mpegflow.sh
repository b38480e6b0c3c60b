#!/bin/sh
# mpegflow from its offline release: the Node.js runtime and the CLI inside this folder, nothing from PATH
# but ffmpeg, which the commands that run it need at 5.1 or newer (checked here, with a clear error, before
# Node starts). V8's semi-spaces are capped at 16 MiB, as bin/mpegflow of a checkout does.
here="$(dirname "$(readlink -f "$0")")/.."
case "$1" in
  encode | probe | verify | worker)
    if ! command -v ffmpeg > /dev/null 2>&1 || ! command -v ffprobe > /dev/null 2>&1; then
      echo "Error: mpegflow $1 needs ffmpeg and ffprobe 5.1 or newer on PATH, and they are not there" >&2
      echo "  Try: apt install ffmpeg (Debian 12 ships 5.1), or put an ffmpeg build's folder on PATH" >&2
      exit 1
    fi
    # "ffmpeg version 5.1.8-0+deb12u1 ...": a build from git says no release number, and is newer than any
    release=$(ffmpeg -hide_banner -version 2> /dev/null | sed -n '1s/^ffmpeg version n\{0,1\}\([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p')
    if [ -n "$release" ]; then
      major=${release% *}
      minor=${release#* }
      if [ "$major" -lt 5 ] || { [ "$major" -eq 5 ] && [ "$minor" -lt 1 ]; }; then
        echo "Error: mpegflow needs ffmpeg 5.1 or newer; $(command -v ffmpeg) is $major.$minor" >&2
        echo "  Try: install ffmpeg 5.1 or newer (Debian 12: apt install ffmpeg) and put it first on PATH" >&2
        exit 1
      fi
    fi
    ;;
esac
exec "$here/lib/node" --max-semi-space-size=16 "$here/lib/mpegflow/bin/run.js" "$@"
