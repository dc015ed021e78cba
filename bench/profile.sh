#!/usr/bin/env bash
# JFR profile of Nproxy in one bench scenario, with the hottest frames printed.
#
#   bench/profile.sh return-1k --out /tmp/return.jfr [--warmup S] [--duration S] [--no-access-log]
#
# Same setup as bench/run.sh (run it once first: it installs nginx and wrk). See bench/README.md.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
export NPROXY_HOME="${NPROXY_HOME:-$(dirname "$here")}"
exec python3 -B "$here/lib/profile.py" "$@"
