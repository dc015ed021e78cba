# Sourced by bin/nproxy.sh and build.sh. Finds a JDK/JRE >= 21:
#   1. $JAVA_HOME if it is >= 21, 2. `java` on PATH if >= 21, 3. the newest under /usr/lib/jvm.
# Sets NPROXY_JAVA (the java binary) and NPROXY_JAVA_HOME; returns 1 with a one-line reason otherwise.
# The major version of the java binary $1: from the JDK's `release` file (JAVA_VERSION="25.0.3"),
# which every JDK and JRE since 9 has; launching a JVM to ask costs 0.1-0.3 s per candidate, and
# the search below can try four. The JVM is asked only when there is no release file.
nproxy_java_major() {
  local release v
  release="$(dirname "$(dirname "$(readlink -f "$1")")")/release"
  if [ -r "$release" ]; then
    v="$(sed -n 's/^JAVA_VERSION="\([0-9][0-9.]*\).*/\1/p' "$release" | head -n1)"
    case "$v" in 1.*) echo "${v#1.}" | cut -d. -f1; return ;; [0-9]*) echo "${v%%.*}"; return ;; esac
  fi
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1 | cut -d. -f1
}
nproxy_find_java() {
  local min=21 cand major best="" bestmajor=0 d
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    major="$(nproxy_java_major "$JAVA_HOME/bin/java")"
    if [ "${major:-0}" -ge "$min" ]; then NPROXY_JAVA="$JAVA_HOME/bin/java"; NPROXY_JAVA_HOME="$JAVA_HOME"; return 0; fi
  fi
  if cand="$(command -v java 2>/dev/null)"; then
    major="$(nproxy_java_major "$cand")"
    if [ "${major:-0}" -ge "$min" ]; then
      NPROXY_JAVA="$cand"; NPROXY_JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$cand")")")"; return 0
    fi
  fi
  for d in /usr/lib/jvm/*/; do
    [ -x "${d}bin/java" ] || continue
    major="$(nproxy_java_major "${d}bin/java")"
    if [ "${major:-0}" -gt "$bestmajor" ]; then bestmajor="$major"; best="${d%/}"; fi
  done
  if [ "$bestmajor" -ge "$min" ]; then NPROXY_JAVA="$best/bin/java"; NPROXY_JAVA_HOME="$best"; return 0; fi
  echo "nproxy: needs Java >= $min; JAVA_HOME=${JAVA_HOME:-unset}, java on PATH is ${major:-absent}, none newer in /usr/lib/jvm. Install a JDK 21+ and set JAVA_HOME." >&2
  return 1
}
