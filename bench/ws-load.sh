#!/usr/bin/env bash
# WebSocket tunnel load: IDLE idle tunnels + ACTIVE busy ones through Nproxy (and nginx, when it is
# installed) to one echo upstream, all on 127.0.0.1. Prints the proxy's heap and RSS per tunnel and
# the echoes per second. Needs a built checkout (./build.sh fills lib/).
#   bench/ws-load.sh [IDLE=5000] [ACTIVE=500] [SECONDS=20] [SIZE=128]
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$here/bin/find-java.sh"
nproxy_find_java || exit 1
JAVA="$NPROXY_JAVA"
JCMD="$(dirname "$JAVA")/jcmd"
IDLE="${1:-5000}"; ACTIVE="${2:-500}"; SECONDS_="${3:-20}"; SIZE="${4:-128}"
ls "$here"/lib/nproxy-websocket-*.jar >/dev/null 2>&1 || { echo "ws-load: build first (./build.sh)" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
work="$(mktemp -d /tmp/ws-load.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
rss_kb() { local sum=0; for p in "$@"; do sum=$((sum + $(awk '/VmRSS/{print $2}' "/proc/$p/status"))); done; echo "$sum"; }
heap_kb() { "$JCMD" "$1" GC.run >/dev/null; "$JCMD" "$1" GC.heap_info | awk '/garbage-first heap|heap total/ {for(i=1;i<=NF;i++) if ($i=="used") {v=$(i+1); sub(/K,?/,"",v); print v; exit}}'; }

# 1. The echo upstream (its own JVM, not measured).
"$JAVA" -Xmx1g -cp "$here/lib/*" "$here/bench/WsLoad.java" upstream "$work/upstream.port" > "$work/upstream.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/upstream.port" ] && break; sleep 0.2; done
up_port="$(cat "$work/upstream.port")"

# run_load NAME URL PIDS...: opens the tunnels, measures the proxy processes, closes.
run_load() {
  local name="$1" url="$2"; shift 2
  local rss0 heap0=""
  rss0="$(rss_kb "$@")"
  [ "$name" = nproxy ] && heap0="$(heap_kb "$1")"
  mkfifo "$work/$name.in"
  "$JAVA" -Xmx2g -cp "$here/lib/*" "$here/bench/WsLoad.java" load "$url" "$IDLE" "$ACTIVE" "$SECONDS_" "$SIZE" \
    < "$work/$name.in" > "$work/$name.load.log" 2>&1 &
  local lp=$!
  pids+=($lp)
  exec 7>"$work/$name.in"
  for _ in $(seq 1200); do grep -q READY "$work/$name.load.log" && break; kill -0 "$lp" || break; sleep 0.5; done
  local rss1 heap1="" tunnels=$((IDLE + ACTIVE))
  rss1="$(rss_kb "$@")"
  [ "$name" = nproxy ] && heap1="$(heap_kb "$1")"
  echo "== $name: $(grep RESULT "$work/$name.load.log" || echo 'no result, see '"$work/$name.load.log")"
  echo "   RSS before ${rss0} KiB, with $tunnels tunnels ${rss1} KiB: $(( (rss1 - rss0) * 1024 / tunnels )) bytes/tunnel"
  if [ -n "$heap1" ]; then
    echo "   heap used after full GC: before ${heap0} KiB, with tunnels ${heap1} KiB: $(( (heap1 - heap0) * 1024 / tunnels )) bytes/tunnel"
  fi
  echo done >&7; exec 7>&-
  wait "$lp" || true
}

# 2. Nproxy.
np_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p "$work/nproxy/etc" "$work/nproxy/logs"
cat > "$work/nproxy/etc/nproxy.xml" <<XML
<nproxy>
  <upstream name="echo"><peer address="127.0.0.1:$up_port"/></upstream>
  <server>
    <listen host="127.0.0.1" port="$np_port"/>
    <location path="/"><websocket upstream="echo" idle-timeout="10m"/><proxy upstream="echo"/></location>
  </server>
</nproxy>
XML
"$JAVA" ${NPROXY_JAVA_OPTS:--Xmx1g} --enable-native-access=ALL-UNNAMED -Dnproxy.home="$here" -Dnproxy.base="$work/nproxy" \
  -cp "$here/lib/*" org.nproxy.server.Main run --config "$work/nproxy/etc/nproxy.xml" > "$work/nproxy/logs/out.log" 2>&1 &
np_pid=$!
pids+=($np_pid)
for _ in $(seq 100); do grep -q "nproxy started" "$work/nproxy/logs/out.log" && break; sleep 0.2; done
run_load nproxy "ws://127.0.0.1:$np_port/ws" "$np_pid"
kill "$np_pid"; wait "$np_pid" 2>/dev/null || true

# 3. nginx on the same upstream, same load (if installed).
if command -v nginx >/dev/null; then
  ng_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  mkdir -p "$work/nginx/logs"
  cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
worker_rlimit_nofile 65536;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
daemon off;
events { worker_connections 30000; }
http {
  access_log off;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  upstream echo { server 127.0.0.1:$up_port; }
  server {
    listen 127.0.0.1:$ng_port;
    location / {
      proxy_pass http://echo;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_read_timeout 10m;
    }
  }
}
CONF
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
  ng_pid=$!
  pids+=($ng_pid)
  sleep 1
  ng_all=("$ng_pid" $(pgrep -P "$ng_pid"))
  run_load nginx "ws://127.0.0.1:$ng_port/ws" "${ng_all[@]}"
  kill "$ng_pid"; wait "$ng_pid" 2>/dev/null || true
fi
echo "logs in $work"
