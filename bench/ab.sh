#!/usr/bin/env bash
# Nproxy variants side by side in alternating rounds (builds, access log on/off):
#
#   bench/ab.sh return-1k new=.:on old=/tmp/old-build:on nolog=.:off [--rounds N] [--duration S]
#
# Same setup as bench/run.sh (run it once first: it installs nginx and wrk). See bench/README.md.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
exec python3 -B "$here/lib/ab.py" "$@"
