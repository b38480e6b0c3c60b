#!/usr/bin/env bash
# The README's quick start: set up, generate a 10-second sample clip with
# ffmpeg, and encode it to an HLS ladder on local storage. No MinIO needed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
# shellcheck source=scripts/env.sh
source scripts/env.sh
mkdir -p examples
sample=examples/sample.mp4
if [ ! -s "$sample" ]; then
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i testsrc2=size=1280x720:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 \
    -t 10 -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -shortest "$sample"
fi
bin/mpegflow encode "$sample"
