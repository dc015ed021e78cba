#!/usr/bin/env bash
# bench/H3Load.java (HTTP/3, and h2 beside it, on Jetty's own clients) with the Java and class path
# bench/run.sh uses (lib/ plus Jetty's client jars from the local Maven repository). Examples:
#   bench/h3-load.sh seq h3 https://127.0.0.1:8443/ 1000          # sequential latency
#   bench/h3-load.sh load h3 https://127.0.0.1:8443/ 10 10 10     # 10 conns x 10 streams, 10 s
#   bench/h3-load.sh server KEYSTORE.p12 PORTFILE 1024            # plain Jetty HTTP/3 (keystore password nproxy)
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
home="${NPROXY_HOME:-$(dirname "$here")}"
mapfile -t cmd < <(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import load
print("\n".join(load.h3load_command(sys.argv[2])))' "$here/lib" "$home")
exec "${cmd[@]}" "$@"
