#!/usr/bin/env bash
# Build entry point: finds a JDK >= 21 (see bin/find-java.sh), then runs Maven.
#   ./build.sh            build lib/ and the tarball, no tests
#   ./build.sh verify     build and run every test (unit + distribution)
#   ./build.sh <mvn args> anything else goes to Maven as is
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
# shellcheck source=bin/find-java.sh
. "$here/bin/find-java.sh"
nproxy_find_java || exit 1
export JAVA_HOME="$NPROXY_JAVA_HOME"
# Maven itself (guava, jansi) trips JDK 24+ warnings; they are noise, not our code.
if [ "$(nproxy_java_major "$NPROXY_JAVA")" -ge 24 ]; then
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"
fi
command -v mvn >/dev/null || { echo "build.sh: Maven (mvn) not found; install it (Debian: apt-get install maven)" >&2; exit 1; }
cd "$here"
goal=""
for a in "$@"; do case "$a" in -*) ;; *) goal=1 ;; esac; done
[ -n "$goal" ] || set -- "$@" install -DskipTests
exec mvn -B -ntp "$@"
