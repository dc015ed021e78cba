#!/usr/bin/env bash
# Nproxy control script.
#
#   nproxy.sh run|start|stop|restart|reload|status|check|version [--config FILE] [-Dname=value ...]
#
# NPROXY_HOME  the install (default: the directory above this script, symlinks resolved)
# NPROXY_BASE  the instance: etc/, logs/, var/, lib/ext/ (default: NPROXY_HOME)
# JAVA_HOME    a JDK/JRE >= 21 (found automatically when unset; see bin/find-java.sh)
# NPROXY_JAVA_OPTS  extra JVM options (default: -Xmx1g)
# NPROXY_START_WAIT / NPROXY_STOP_WAIT  seconds start/stop wait before giving up (60 / 300)
set -uo pipefail

script="$(readlink -f "${BASH_SOURCE[0]}")"
NPROXY_HOME="${NPROXY_HOME:-$(cd "$(dirname "$script")/.." && pwd)}"
NPROXY_BASE="${NPROXY_BASE:-$NPROXY_HOME}"
# shellcheck source=find-java.sh
. "$NPROXY_HOME/bin/find-java.sh"

verb="${1:-help}"
[ $# -gt 0 ] && shift
config=""
props=()
while [ $# -gt 0 ]; do
  case "$1" in
    --config|-c) [ $# -ge 2 ] || { echo "nproxy: --config needs a file" >&2; exit 2; }; config="$2"; shift 2 ;;
    --config=*) config="${1#--config=}"; shift ;;
    -D*) props+=("$1"); shift ;;
    *) echo "nproxy: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if [ -z "$config" ]; then
  config="$NPROXY_BASE/etc/nproxy.xml"
else
  case "$config" in /*) ;; *) config="$PWD/$config" ;; esac
fi

pidfile="$NPROXY_BASE/var/nproxy.pid"
logfile="$NPROXY_BASE/logs/nproxy.log"

java_cmd() {
  nproxy_find_java || exit 1
  if ! ls "$NPROXY_HOME"/lib/nproxy-server-*.jar >/dev/null 2>&1; then
    echo "nproxy: no lib/nproxy-server-*.jar under $NPROXY_HOME; build first with ./build.sh" >&2
    exit 1
  fi
  # shellcheck disable=SC2206
  local opts=(${NPROXY_JAVA_OPTS:--Xmx1g})
  cmd=("$NPROXY_JAVA" "${opts[@]}" -XX:+ExitOnOutOfMemoryError --enable-native-access=ALL-UNNAMED
       "-Dnproxy.home=$NPROXY_HOME" "-Dnproxy.base=$NPROXY_BASE" ${props[@]+"${props[@]}"}
       -cp "$NPROXY_HOME/lib/*" org.nproxy.server.Main)
}

running_pid() {
  local pid
  [ -f "$pidfile" ] || return 1
  pid="$(tr -dc '0-9' < "$pidfile")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && { echo "$pid"; return 0; }
  return 1
}

do_start() {
  local pid
  if pid="$(running_pid)"; then echo "nproxy: already running (pid $pid)"; return 1; fi
  mkdir -p "$NPROXY_BASE/logs" "$NPROXY_BASE/var" || return 1
  rm -f "$pidfile"
  java_cmd
  local offset=0
  [ -f "$logfile" ] && offset="$(stat -c %s "$logfile")"
  setsid "${cmd[@]}" run --config "$config" >> "$logfile" 2>&1 < /dev/null &
  local child=$!
  local waited=0 limit=$(( ${NPROXY_START_WAIT:-60} * 10 ))
  while [ "$waited" -lt "$limit" ]; do
    if [ -f "$pidfile" ] && [ "$(tr -dc '0-9' < "$pidfile")" = "$child" ]; then
      local line
      line="$(tail -c +"$((offset + 1))" "$logfile" | grep -m1 'started, pid' || true)"
      echo "${line:-nproxy started (pid $child)}"
      return 0
    fi
    if ! kill -0 "$child" 2>/dev/null; then
      echo "nproxy: failed to start; from $logfile:" >&2
      tail -c +"$((offset + 1))" "$logfile" | grep -v '^WARNING' | tail -n 30 >&2
      return 1
    fi
    sleep 0.1; waited=$((waited + 1))
  done
  echo "nproxy: still not listening after ${NPROXY_START_WAIT:-60}s (pid $child); see $logfile" >&2
  return 1
}

do_stop() {
  local pid
  if ! pid="$(running_pid)"; then echo "nproxy: not running"; rm -f "$pidfile"; return 0; fi
  rm -f "$NPROXY_BASE/var/stop.result"
  kill -TERM "$pid"
  local waited=0 limit=$(( ${NPROXY_STOP_WAIT:-300} * 10 ))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge "$limit" ]; then
      echo "nproxy: pid $pid did not stop within ${NPROXY_STOP_WAIT:-300}s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null
      return 1
    fi
    sleep 0.1; waited=$((waited + 1))
  done
  if [ -f "$NPROXY_BASE/var/stop.result" ]; then
    echo "nproxy (pid $pid) $(cat "$NPROXY_BASE/var/stop.result")"
    grep -q ' 0 cut' "$NPROXY_BASE/var/stop.result" || return 1
  else
    echo "nproxy (pid $pid) stopped"
  fi
  return 0
}

do_reload() {
  local pid result before
  if ! pid="$(running_pid)"; then echo "nproxy: not running; nothing to reload" >&2; return 1; fi
  result="$NPROXY_BASE/var/reload.result"
  before="$(head -n1 "$result" 2>/dev/null || true)"
  kill -HUP "$pid"
  local waited=0
  while [ "$waited" -lt 600 ]; do
    if [ -f "$result" ] && [ "$(head -n1 "$result")" != "$before" ]; then
      if head -n1 "$result" | grep -q ' ok$'; then
        echo "nproxy (pid $pid) $(tail -n +2 "$result")"
        return 0
      fi
      echo "nproxy: reload failed; the running configuration keeps serving:" >&2
      tail -n +2 "$result" >&2
      return 1
    fi
    sleep 0.1; waited=$((waited + 1))
  done
  echo "nproxy: pid $pid did not report a reload result within 60s; see $logfile" >&2
  return 1
}

case "$verb" in
  run)
    java_cmd
    mkdir -p "$NPROXY_BASE/logs" "$NPROXY_BASE/var"
    exec "${cmd[@]}" run --config "$config" ;;
  start) do_start; exit $? ;;
  stop) do_stop; exit $? ;;
  restart) do_stop || exit $?; do_start; exit $? ;;
  reload) do_reload; exit $? ;;
  status)
    if pid="$(running_pid)"; then echo "nproxy: running (pid $pid), base $NPROXY_BASE"; exit 0; fi
    echo "nproxy: not running (base $NPROXY_BASE)"; exit 3 ;;
  check) java_cmd; exec "${cmd[@]}" check --config "$config" ;;
  version) java_cmd; exec "${cmd[@]}" version ;;
  help|-h|--help)
    sed -n '2,12p' "$script" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "nproxy: unknown command '$verb'; expected run, start, stop, restart, reload, status, check or version" >&2; exit 2 ;;
esac
