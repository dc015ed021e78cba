#!/usr/bin/env bash
# Nproxy control script.
#
#   nproxy.sh run|start|stop|restart|reload|reopen|status|check|version [--config FILE] [-Dname=value ...]
#   nproxy.sh upgrade [--home NEW_INSTALL] [--config FILE] [-Dname=value ...]
#
# Options go before or after the command. --config and -D apply to run, start, restart, check
# and upgrade; reload re-reads the file the running process was started with and refuses them.
# upgrade starts NEW_INSTALL (default: this one) beside the running process on the same ports,
# waits until it serves, then lets the old one drain and exit (see README, "Upgrade").
# reopen opens logs/nproxy.log and the access log again by their paths (after logrotate moved them).
#
# NPROXY_HOME  the install (default: the directory above this script, symlinks resolved)
# NPROXY_BASE  the instance: etc/, logs/, var/, lib/ext/ (default: NPROXY_HOME)
# JAVA_HOME    a JDK/JRE >= 21 (found automatically when unset; see bin/find-java.sh)
# NPROXY_JAVA_OPTS  JVM options, replacing the defaults (-XX:+UseSerialGC -Xms32m -Xmn24m -Xmx1g;
#                   see default_java_opts below and docs/performance.md, "Start and memory")
# NPROXY_AOT   on (default) | off: the JVM's AOT cache in var/aot/ on JDK 25+ (see aot_setup below)
# NPROXY_START_WAIT / NPROXY_STOP_WAIT  seconds start/stop wait before giving up (60 / 300)
set -uo pipefail

script="$(readlink -f "${BASH_SOURCE[0]}")"
NPROXY_HOME="${NPROXY_HOME:-$(cd "$(dirname "$script")/.." && pwd)}"
NPROXY_BASE="${NPROXY_BASE:-$NPROXY_HOME}"
# shellcheck source=find-java.sh
. "$NPROXY_HOME/bin/find-java.sh"

# Options may come before or after the verb (`nproxy.sh --config x.xml check`, like `nginx -c x -t`).
verb=""
config=""
newhome=""
props=()
usage="usage: nproxy.sh run|start|stop|restart|reload|reopen|status|check|version|upgrade [--config FILE] [-Dname=value ...] [--home NEW_INSTALL]"
while [ $# -gt 0 ]; do
  case "$1" in
    --config|-c) [ $# -ge 2 ] || { echo "nproxy: $1 needs a file" >&2; exit 2; }; config="$2"; shift 2 ;;
    --config=*) config="${1#--config=}"; shift ;;
    -D?*) props+=("$1"); shift ;;
    --home) [ $# -ge 2 ] || { echo "nproxy: --home needs a directory" >&2; exit 2; }; newhome="$2"; shift 2 ;;
    --home=*) newhome="${1#--home=}"; shift ;;
    -h|--help) verb=help; shift ;;
    -*) echo "nproxy: unknown option '$1'; $usage" >&2; exit 2 ;;
    *)
      if [ -n "$verb" ]; then echo "nproxy: two commands, '$verb' and '$1'; $usage" >&2; exit 2; fi
      verb="$1"; shift ;;
  esac
done
verb="${verb:-help}"
if [ -n "$newhome" ] && [ "$verb" != upgrade ]; then echo "nproxy: --home is for upgrade only" >&2; exit 2; fi
config_given="$config"
# Options a verb cannot use are refused, never silently ignored: a signal cannot carry them.
case "$verb" in
  stop|reload|reopen|status|version)
    if [ -n "$config" ] || [ ${#props[@]} -gt 0 ]; then
      extra="${config:+--config $config }${props[*]+${props[*]}}"
      case "$verb" in
        reload) echo "nproxy: reload re-reads the configuration the running process was started with and cannot take '${extra% }'; use restart (or upgrade) to run with other options" >&2 ;;
        *) echo "nproxy: $verb takes no --config or -D options (got '${extra% }')" >&2 ;;
      esac
      exit 2
    fi ;;
esac
if [ -z "$config" ]; then
  config="$NPROXY_BASE/etc/nproxy.xml"
else
  case "$config" in /*) ;; *) config="$PWD/$config" ;; esac
fi

# The JVM options when NPROXY_JAVA_OPTS is unset (docs/performance.md, "Start and memory"). A
# proxy's live set is small (connections, routes, pools; caches' heap tiers are sized in entries)
# and almost everything it allocates dies within one request:
#   -XX:+UseSerialGC  young collections of a few MB of survivors take ~1 ms; no concurrent GC
#                     threads, barriers or remembered sets (G1 committed 45 MB of GC structures
#                     for a 1 GB heap). The JVM picks Serial by itself on one core anyway.
#   -Xms32m -Xmn24m   start small and keep the young generation at 24 MB (JVM default: 1/64 of
#                     RAM committed at once, a young generation of a third of it, all touched
#                     under load). Under sustained load, objects that outlive 15 young collections
#                     pile up in the old generation (measured: ~6 MB a minute at 6,000 req/s,
#                     while the live set is 9 MB) until a full collection, which Serial runs only
#                     when the heap reaches -Xmx: lower -Xmx to bound RSS (docs/performance.md).
#   -Xmx1g            the ceiling for heap cache tiers and bursts.
# On JDK 22+ also -XX:TrimNativeHeapInterval=5000: the JIT's freed arenas go back to the OS
# instead of staying in malloc's free lists (about 25 MB of idle RSS after start).
default_java_opts="-XX:+UseSerialGC -Xms32m -Xmn24m -Xmx1g"
# glibc's malloc keeps up to 8 arenas per core, one per thread that allocates at the same time
# (JIT compiler threads, GC, direct buffers): two are enough for a JVM whose request work runs on
# virtual threads, and save 3-5 MB of idle RSS (bench/run.sh idle-rss: 98-100 -> 95 MiB). Set
# MALLOC_ARENA_MAX to override.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

pidfile="$NPROXY_BASE/var/nproxy.pid"
logfile="$NPROXY_BASE/logs/nproxy.log"

java_cmd() {
  nproxy_find_java || exit 1
  if ! ls "$NPROXY_HOME"/lib/nproxy-server-*.jar >/dev/null 2>&1; then
    echo "nproxy: no lib/nproxy-server-*.jar under $NPROXY_HOME; build first with ./build.sh" >&2
    exit 1
  fi
  # shellcheck disable=SC2206
  local opts=(${NPROXY_JAVA_OPTS:-$default_java_opts}) major
  major="$(nproxy_java_major "$NPROXY_JAVA")"
  if [ -z "${NPROXY_JAVA_OPTS:-}" ] && [ "$major" -ge 22 ]; then
    opts+=(-XX:TrimNativeHeapInterval=5000)
  fi
  # The cache's off-heap tier (Ehcache) uses sun.misc.Unsafe: JDK 23+ warns, or refuses with =deny,
  # unless it is allowed; JDK 21 and 22 do not know the flag.
  if [ "$major" -ge 23 ]; then
    opts+=(--sun-misc-unsafe-memory-access=allow)
  fi
  opts+=(-XX:+ExitOnOutOfMemoryError --enable-native-access=ALL-UNNAMED)
  local jprops=("-Dnproxy.home=$NPROXY_HOME" "-Dnproxy.base=$NPROXY_BASE" ${props[@]+"${props[@]}"})
  local main=(-cp "$NPROXY_HOME/lib/*" org.nproxy.server.Main)
  aot_setup "$major"
  cmd=("$NPROXY_JAVA" "${opts[@]}" ${aot_use[@]+"${aot_use[@]}"} "${jprops[@]}" "${main[@]}")
  # The training writes its output to var/aot/train.log, never to the server's log (-Dnproxy.log= last wins).
  train_cmd=("$NPROXY_JAVA" "${opts[@]}" "-XX:AOTCacheOutput=$aot_cache.tmp" -Xlog:aot=off -Xlog:cds=off
             "${jprops[@]}" -Dnproxy.log= "${main[@]}")
}

# The JVM's AOT cache (JDK 25+: JEP 483, 514, 515): the classes every start loads, already parsed
# and linked, and their method profiles, in $NPROXY_BASE/var/aot/nproxy-KEY.aot. KEY covers what
# the JVM checks a cache against (the java binary and its release, lib/'s jars in the order the
# JVM lists them, the JVM options), so an edited lib/ or another JDK gets a new cache instead of a
# stale one; lib/ext/ and etc/ are not in it (their classes load as before; nothing goes stale).
# The cache is made after the first start that has none, by a background JVM that trains on
# `Main aot-train` (docs/performance.md, "Start and memory"). -Xlog:aot=off,cds=off: a cache the
# JVM cannot use (truncated, or a JDK update under the same path) is ignored without a word.
# NPROXY_AOT=off turns all of it off. JDK 21-24: no cache (start as before).
aot_setup() {
  aot_use=(); aot_cache=""; aot_train=""
  [ "${NPROXY_AOT:-on}" = on ] && [ "$1" -ge 25 ] || return 0
  local release key
  release="$(dirname "$(dirname "$(readlink -f "$NPROXY_JAVA")")")/release"
  key="$( { readlink -f "$NPROXY_JAVA"; cat "$release" 2>/dev/null
            (cd "$NPROXY_HOME/lib" && ls -lU --time-style=+%s -- *.jar)
            printf '%s\n' "${opts[@]}"; } | cksum | cut -d' ' -f1)"
  aot_cache="$NPROXY_BASE/var/aot/nproxy-$key.aot"
  if [ -f "$aot_cache" ]; then
    aot_use=("-XX:AOTCache=$aot_cache" -Xlog:aot=off -Xlog:cds=off)
  else
    aot_train=yes
  fi
}

# aot_train_background DELAY: when the cache for this JDK and lib/ is missing, makes it in the
# background after DELAY seconds (at low priority, one at a time per base, output in
# var/aot/train.log), into a temporary name renamed when complete; older caches are removed then.
aot_train_background() {
  [ -n "$aot_train" ] && command -v flock >/dev/null 2>&1 || return 0
  local dir="${aot_cache%/*}"
  mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ] || return 0
  # Two forks: the job's parent exits at once, so the job never waits as a zombie under the JVM
  # that `run` execs into.
  ( (
    exec 9>"$dir/train.lock"
    flock -n 9 || exit 0
    sleep "$1"
    [ -f "$aot_cache" ] && exit 0
    rm -f "$aot_cache.tmp" "$aot_cache.tmp.config"
    if nice -n 10 "${train_cmd[@]}" aot-train --config "$config" > "$dir/train.log" 2>&1 && [ -s "$aot_cache.tmp" ]; then
      find "$dir" -maxdepth 1 -name 'nproxy-*.aot' -delete
      mv -f "$aot_cache.tmp" "$aot_cache"
    else
      rm -f "$aot_cache.tmp" "$aot_cache.tmp.config"
    fi
  ) < /dev/null > /dev/null 2>&1 & )
}

# Background jobs of a non-interactive shell start with SIGINT ignored, and a JVM started with
# INT ignored never installs its handler (`kill -INT` would do nothing): hand the JVM the default
# disposition back. `env --default-signal` (coreutils >= 8.31) also undoes an ignore inherited
# from our own caller; job control (set -m) is the fallback for older systems.
if env --default-signal=INT true 2>/dev/null; then
  launch=(env --default-signal=INT)
else
  launch=(); set -m
fi

# True while the process runs. A zombie counts as gone: it has exited and only waits for its
# parent (init, for a process started with `start`) to reap it, which can take seconds.
alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  [ -r "/proc/$1/stat" ] || return 0
  state="$(sed -n 's/^.*) \([A-Z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)"
  [ "$state" != Z ] && [ "$state" != X ]
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

running_pid() {
  local pid
  [ -f "$pidfile" ] || return 1
  pid="$(tr -dc '0-9' < "$pidfile")"
  [ -n "$pid" ] && alive "$pid" && { echo "$pid"; return 0; }
  return 1
}

do_start() {
  local pid
  if pid="$(running_pid)"; then echo "nproxy: already running (pid $pid)"; return 1; fi
  mkdir -p "$NPROXY_BASE/logs" "$NPROXY_BASE/var" || return 1
  rm -f "$pidfile"
  props+=("-Dnproxy.log=$logfile")
  java_cmd
  local offset=0
  [ -f "$logfile" ] && offset="$(stat -c %s "$logfile")"
  "${launch[@]}" setsid "${cmd[@]}" run --config "$config" >> "$logfile" 2>&1 < /dev/null &
  local child=$!
  local waited=0 limit=$(( ${NPROXY_START_WAIT:-60} * 20 ))
  while [ "$waited" -lt "$limit" ]; do
    # Started means answering: the pid file names the child (written once every listener is
    # open), its status file says serving and each TCP listener accepts a connection. The report
    # comes from the status file, not from the log (which logrotate may have just moved).
    if [ -f "$pidfile" ] && [ "$(tr -dc '0-9' < "$pidfile")" = "$child" ] && answers "$child"; then
      local file="$NPROXY_BASE/var/nproxy-$child.status"
      echo "nproxy $(status_field "$file" version) started, pid $child, listening on $(status_field "$file" listeners)"
      aot_train_background 0
      return 0
    fi
    if ! alive "$child"; then
      echo "nproxy: failed to start; from $logfile:" >&2
      tail -c +"$((offset + 1))" "$logfile" | grep -v '^WARNING' | tail -n 30 >&2
      return 1
    fi
    sleep 0.05; waited=$((waited + 1))
  done
  echo "nproxy: still not listening after ${NPROXY_START_WAIT:-60}s (pid $child); see $logfile" >&2
  return 1
}

# answers PID: its status file says serving and every TCP listener in it accepts a connection.
answers() {
  local file="$NPROXY_BASE/var/nproxy-$1.status" addr host port
  [ -f "$file" ] && [ "$(status_field "$file" state)" = serving ] || return 1
  for addr in $(status_field "$file" probe); do
    host="${addr%:*}"; port="${addr##*:}"; host="${host#[}"; host="${host%]}"
    timeout 2 bash -c ': > "/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null || return 1
  done
  return 0
}

do_stop() {
  local pid t0 result
  if ! pid="$(running_pid)"; then echo "nproxy: not running"; rm -f "$pidfile"; return 0; fi
  t0="$(now_ms)"
  result="$NPROXY_BASE/var/stop.result"
  rm -f "$result"
  kill -TERM "$pid"
  local waited=0 limit=$(( ${NPROXY_STOP_WAIT:-300} * 50 ))
  while alive "$pid"; do
    if [ "$waited" -ge "$limit" ]; then
      echo "nproxy: pid $pid did not stop within ${NPROXY_STOP_WAIT:-300}s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null
      return 1
    fi
    sleep 0.02; waited=$((waited + 1))
  done
  # The server's report says how long its own drain and shutdown took ("stopped in 43ms: ...");
  # print the wall time of the whole verb, signal to exit, in front of it.
  local took=$(( $(now_ms) - t0 ))
  if [ -f "$result" ]; then
    echo "nproxy (pid $pid) stopped in ${took}ms: $(sed 's/^stopped in \([0-9]*ms\): \(.*\)$/\2 (server shutdown \1)/' "$result")"
    grep -q ' 0 cut' "$result" || return 1
  else
    echo "nproxy (pid $pid) stopped in ${took}ms"
  fi
  return 0
}

# signal_and_report SIGNAL WHAT RESULT_FILE SECONDS FAILURE_PREFIX: sends SIGNAL to the running
# process and waits for it to rewrite RESULT_FILE (first line "... ok" or not, then the report).
signal_and_report() {
  local signal="$1" what="$2" result="$3" seconds="$4" failure="$5" pid before
  if ! pid="$(running_pid)"; then echo "nproxy: not running; nothing to $what" >&2; return 1; fi
  before="$(head -n1 "$result" 2>/dev/null || true)"
  kill "-$signal" "$pid"
  local waited=0
  while [ "$waited" -lt $((seconds * 20)) ]; do
    if [ -f "$result" ] && [ "$(head -n1 "$result")" != "$before" ]; then
      if head -n1 "$result" | grep -q ' ok$'; then
        echo "nproxy (pid $pid) $(tail -n +2 "$result")"
        return 0
      fi
      echo "${failure//PID/$pid}" >&2
      tail -n +2 "$result" >&2
      return 1
    fi
    sleep 0.05; waited=$((waited + 1))
  done
  echo "nproxy: pid $pid did not report a $what result within ${seconds}s; see $logfile" >&2
  return 1
}

do_reload() {
  signal_and_report HUP reload "$NPROXY_BASE/var/reload.result" 60 \
    "nproxy: reload failed; the running configuration keeps serving:"
}

# upgrade: nginx's binary upgrade. The new process binds the same ports (SO_REUSEPORT) and
# reports in var/nproxy.pid.new once serving; then the pid file moves to it and the old process
# gets TERM, which, with the pid file naming a newer process, means: stop accepting, drain
# (requests, tunnels) up to drain-timeout, exit (USR1 is logrotate's reopen).
do_upgrade() {
  local old oldstatus
  if ! old="$(running_pid)"; then echo "nproxy: not running; nothing to upgrade (use start)" >&2; return 1; fi
  oldstatus="$NPROXY_BASE/var/nproxy-$old.status"
  if [ ! -f "$oldstatus" ]; then
    echo "nproxy: pid $old has no $oldstatus: it is still starting, or a version without upgrade; use restart" >&2
    return 1
  fi
  if [ "$(status_field "$oldstatus" state)" != serving ]; then
    echo "nproxy: pid $old is $(status_field "$oldstatus" state), not serving; nothing to upgrade" >&2; return 1
  fi
  # The new version's own script starts it (its JVM options may differ), on this instance.
  if [ -n "$newhome" ] && [ "$(cd "$newhome" 2>/dev/null && pwd -P)" != "$(cd "$NPROXY_HOME" && pwd -P)" ]; then
    if [ ! -x "$newhome/bin/nproxy.sh" ]; then echo "nproxy: --home $newhome has no bin/nproxy.sh" >&2; return 1; fi
    exec env NPROXY_HOME="$(cd "$newhome" && pwd)" NPROXY_BASE="$NPROXY_BASE" "$newhome/bin/nproxy.sh" upgrade \
      ${config_given:+--config "$config"} ${props[@]+"${props[@]}"}
  fi
  # Without --config, the file the running process serves.
  [ -n "$config_given" ] || config="$(status_field "$oldstatus" config)"
  if [ "$(cat /proc/sys/net/ipv4/tcp_migrate_req 2>/dev/null)" = 0 ]; then
    echo "nproxy: warning: net.ipv4.tcp_migrate_req is 0: a connection queued on the old process's listener in the instant it closes is reset; set it to 1 (etc/sysctl.d/60-nproxy.conf) to have the kernel move it to the new process" >&2
  fi
  local newpidfile="$NPROXY_BASE/var/nproxy.pid.new" result="$NPROXY_BASE/var/stop.result"
  rm -f "$newpidfile"
  props+=(-Dnproxy.upgrade=true "-Dnproxy.log=$logfile")
  java_cmd
  local offset=0
  [ -f "$logfile" ] && offset="$(stat -c %s "$logfile")"
  "${launch[@]}" setsid "${cmd[@]}" run --config "$config" >> "$logfile" 2>&1 < /dev/null &
  local child=$! waited=0 limit=$(( ${NPROXY_START_WAIT:-60} * 20 ))
  while [ "$(cat "$newpidfile" 2>/dev/null | tr -dc '0-9')" != "$child" ]; do
    if ! alive "$child"; then
      echo "nproxy: upgrade failed: the new process (pid $child, $NPROXY_HOME) did not start; pid $old keeps serving. From $logfile:" >&2
      tail -c +"$((offset + 1))" "$logfile" | grep -v '^WARNING' | tail -n 30 >&2
      return 1
    fi
    if [ "$waited" -ge "$limit" ]; then
      echo "nproxy: upgrade failed: the new process (pid $child) was not serving after ${NPROXY_START_WAIT:-60}s; stopping it, pid $old keeps serving" >&2
      kill -TERM "$child" 2>/dev/null
      return 1
    fi
    sleep 0.05; waited=$((waited + 1))
  done
  printf '%s\n' "$child" > "$pidfile.tmp" && mv -f "$pidfile.tmp" "$pidfile" && rm -f "$newpidfile"
  aot_train_background 0
  rm -f "$result"
  local t0; t0="$(now_ms)"
  kill -TERM "$old"
  echo "nproxy: pid $child ($NPROXY_HOME) is serving; pid $old stopped accepting and drains (up to its drain-timeout)"
  waited=0; limit=$(( ${NPROXY_STOP_WAIT:-300} * 50 ))
  while alive "$old"; do
    if [ "$waited" -ge "$limit" ]; then
      echo "nproxy: old pid $old still running after ${NPROXY_STOP_WAIT:-300}s; see $logfile" >&2; return 1
    fi
    sleep 0.02; waited=$((waited + 1))
  done
  echo "nproxy: old pid $old exited after $(( $(now_ms) - t0 ))ms: $(cat "$result" 2>/dev/null || echo 'no report')"
  return 0
}

# reopen: USR1, as logrotate's postrotate sends it; waits for the process's report.
do_reopen() {
  signal_and_report USR1 reopen "$NPROXY_BASE/var/reopen.result" 15 "nproxy: pid PID: reopen failed:"
}

# status_field FILE NAME: the value of NAME=... in a status file.
status_field() { sed -n "s/^$2=//p" "$1" | head -n1; }

duration() {
  local s=$1
  if [ "$s" -ge 86400 ]; then printf '%dd %02dh %02dm' $((s / 86400)) $((s % 86400 / 3600)) $((s % 3600 / 60))
  elif [ "$s" -ge 3600 ]; then printf '%dh %02dm %02ds' $((s / 3600)) $((s % 3600 / 60)) $((s % 60))
  else printf '%dm %02ds' $((s / 60)) $((s % 60)); fi
}

# 0: serving (the process runs, says it serves, and every TCP listener accepts a connection);
# 3: not running; 4: running but not serving (starting, stopping, or a listener not answering).
do_status() {
  local pid file state addr host port failed=""
  if ! pid="$(running_pid)"; then echo "nproxy: not running (base $NPROXY_BASE)"; return 3; fi
  file="$NPROXY_BASE/var/nproxy-$pid.status"
  if [ ! -f "$file" ]; then
    echo "nproxy: pid $pid is running but not serving yet (starting?); base $NPROXY_BASE"; return 4
  fi
  state="$(status_field "$file" state)"
  for addr in $(status_field "$file" probe); do
    host="${addr%:*}"; port="${addr##*:}"; host="${host#[}"; host="${host%]}"
    timeout 2 bash -c ': > "/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null || failed="$failed $addr"
  done
  local up=$(( ($(now_ms) - $(status_field "$file" started)) / 1000 ))
  echo "nproxy: pid $pid, $state, up $(duration "$up"), generation $(status_field "$file" generation), version $(status_field "$file" version)"
  echo "  listening on $(status_field "$file" listeners)"
  echo "  config $(status_field "$file" config), base $NPROXY_BASE"
  if [ "$state" != serving ]; then return 4; fi
  if [ -n "$failed" ]; then echo "nproxy: not accepting connections on${failed}" >&2; return 4; fi
  return 0
}

case "$verb" in
  run)
    java_cmd
    mkdir -p "$NPROXY_BASE/logs" "$NPROXY_BASE/var"
    aot_train_background 10
    exec "${launch[@]}" "${cmd[@]}" run --config "$config" ;;
  start) do_start; exit $? ;;
  stop) do_stop; exit $? ;;
  restart) do_stop || exit $?; do_start; exit $? ;;
  reload) do_reload; exit $? ;;
  reopen) do_reopen; exit $? ;;
  status) do_status; exit $? ;;
  upgrade) do_upgrade; exit $? ;;
  check) java_cmd; exec "${cmd[@]}" check --config "$config" ;;
  version) java_cmd; exec "${cmd[@]}" version ;;
  help|-h|--help)
    sed -n '2,/^[^#]/{/^#/p}' "$script" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "nproxy: unknown command '$verb'; expected run, start, stop, restart, reload, reopen, status, check, version or upgrade" >&2; exit 2 ;;
esac
