#!/usr/bin/env bash
# Nproxy vs nginx, side by side, on this machine.
#
#   bench/run.sh [--list] [--rounds N] [--duration S] [--warmup S] [--keep] [scenario ...]
#   bench/run.sh metrics-cost [--rounds N] [--duration S]   # proxy-1k without/with <metrics/>, <tracing>
#
# Uses the built distribution (run ./build.sh first; NPROXY_HOME=<dir> points at another one),
# installs nginx, wrk and h2load (nghttp2-client) from Debian if missing, and writes the
# table to bench/results/<time>.md and .json (latest.md/latest.json too). See bench/README.md.
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
home="${NPROXY_HOME:-$(dirname "$here")}"

case " $* " in
  *" -h "*|*" --help "*|*" --list "*) exec python3 "$here/lib/bench.py" "$@" ;;
esac

if [ "$(nproc)" -lt 2 ]; then
  echo "bench: needs 2 CPUs (proxy on core 0, client and origin on core 1); this machine has $(nproc)" >&2
  exit 2
fi
if ! ls "$home"/lib/nproxy-server-*.jar >/dev/null 2>&1; then
  echo "bench: no built distribution in $home/lib; run ./build.sh first" >&2
  exit 2
fi

# Debian packages this needs: command -> package.
missing=()
for pair in nginx:nginx wrk:wrk h2load:nghttp2-client curl:curl openssl:openssl taskset:util-linux python3:python3; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bench: installing ${missing[*]} from Debian"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # policy-rc.d exit 101 = "do not start services": nginx must not start on port 80 as a service.
  policy_created=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    policy_created=1
    trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT INT TERM
  fi
  rc=0
  { $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}"; } || rc=$?
  [ -z "$policy_created" ] || { $sudo rm -f /usr/sbin/policy-rc.d; trap - EXIT INT TERM; }
  if [ "$rc" -ne 0 ]; then
    echo "bench: apt-get install ${missing[*]} failed" >&2
    exit 2
  fi
fi

export NPROXY_HOME="$home"
# The cost of observability: proxy-1k as plain Nproxy, with a <metrics/> location (meters count into
# Prometheus's registry), and with <tracing sample="1"> as well (every request's spans exported over
# OTLP), side by side in alternating rounds (bench/ab.sh); prints CPU µs/request and the difference.
if [ "${1:-}" = "metrics-cost" ]; then
  shift
  exec python3 -B "$here/lib/ab.py" proxy-1k "plain=$home:on" "metrics=$home:on+metrics" \
    "metrics+tracing=$home:on+metrics+tracing" "$@"
fi
# Three instances with and without the shared cache tier on Redis (bench/lib/shared_cache.py).
if [ "${1:-}" = "shared-cache" ]; then
  shift
  command -v redis-server >/dev/null 2>&1 || { echo "bench: shared-cache needs redis-server (apt-get install redis-server)" >&2; exit 2; }
  exec python3 -B "$here/lib/shared_cache.py" "$@"
fi
# Python installs its own SIGINT/SIGTERM handling and stops every process it started, by PID;
# exec keeps it the one process the terminal's Ctrl-C reaches.
exec python3 -B "$here/lib/bench.py" "$@"
