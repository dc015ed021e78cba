"""Profiles Nproxy in one scenario with JFR: bench/profile.sh (see bench/README.md).

Starts the scenario's Nproxy side exactly as bench/run.sh does (core 0, the origin nginx and
the client on core 1, access log on unless --no-access-log), warms it up, records JFR
(`settings=profile`) over a measured load, and prints the hottest frames: the top of each
execution sample's stack (self time), and the frames most often anywhere on the stack (total).
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import bench
import configs
import load
import procs
import scenarios
from servers import Nginx, Nproxy


def main(argv):
    p = argparse.ArgumentParser(prog="bench/profile.sh", description="JFR profile of Nproxy in one scenario.")
    p.add_argument("scenario", choices=list(scenarios.BY_NAME))
    p.add_argument("--out", required=True, help="where to write the .jfr recording")
    p.add_argument("--warmup", type=int, default=20, help="seconds of load before recording (default 20)")
    p.add_argument("--duration", type=int, default=15, help="seconds recorded under load (default 15)")
    p.add_argument("--top", type=int, default=25, help="frames listed (default 25)")
    p.add_argument("--no-access-log", action="store_true")
    p.add_argument("--metrics", action="store_true", help="proxy scenarios: add a <metrics/> location")
    p.add_argument("--tracing", action="store_true", help="proxy scenarios: add <tracing sample=1> (to the origin)")
    p.add_argument("--focus", default=r"\.(AccessLog|LogBuffer|LogLine|LogClock)[\w$]*\.",
                   help="regex: also print the share of samples with a matching frame (default: the access log)")
    args = p.parse_args(argv)
    sc = scenarios.BY_NAME[args.scenario]
    home = os.environ["NPROXY_HOME"]
    tmp = tempfile.mkdtemp(prefix="nproxy-profile-")
    try:
        env = bench.prepare(tmp, [sc])
        env["access_log"] = not args.no_access_log
        env["metrics"] = args.metrics
        env["tracing"] = args.tracing
        env["home"] = home  # the WebSocket driver (ws-echo) runs on lib/ of the distribution
        bench.start_origin(sc, env, os.path.join(tmp, "origin"))
        port = procs.free_port()
        server = Nproxy(home, os.path.join(tmp, "nproxy"), sc.nproxy_config(port, env), port, bench.PROXY_CORE)
        side = {"server": server, "proxy": "nproxy", "ws_driver": env.get("ws_driver")}
        bench.drive(sc, side, args.warmup)
        out = os.path.abspath(args.out)
        java_home = os.path.dirname(os.path.dirname(os.path.realpath(_java(home))))
        jcmd = os.path.join(java_home, "bin", "jcmd")
        # JDK 25's CPU-time sampler (JEP 509) also counts time in system calls; older JDKs refuse it.
        start = [jcmd, str(server.pid), "JFR.start", "name=bench", "settings=profile"]
        if subprocess.run(start + ["jdk.CPUTimeSample#enabled=true", "jdk.CPUTimeSample#throttle=1ms"],
                          capture_output=True, text=True).returncode != 0:
            subprocess.run(start, check=True, capture_output=True)
        before = procs.cpu_us(server.pid)
        result = bench.drive(sc, side, args.duration)
        used = procs.cpu_us(server.pid) - before
        subprocess.run([jcmd, str(server.pid), "JFR.stop", "name=bench", f"filename={out}"], check=True,
                       capture_output=True)
        print(f"{sc.name}: {result['rps']:.0f} req/s, {used / result['requests']:.1f} µs CPU/req "
              f"(with JFR on), recording {out}")
        for event in ("jdk.ExecutionSample", "jdk.CPUTimeSample"):
            print_top(os.path.join(java_home, "bin", "jfr"), out, event, args.top, args.focus)
    finally:
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _java(home):
    r = subprocess.run(["bash", "-c", 'cd "$1" && . bin/find-java.sh && nproxy_find_java && echo "$NPROXY_JAVA"',
                        "_", home], capture_output=True, text=True, check=True)
    return r.stdout.strip().splitlines()[-1]


FRAME = re.compile(r"^\s+(\S+)\(.*\)\s+line:")


def print_top(jfr, recording, event, top, focus):
    """Self and total sample counts per method, from `jfr print --events <event>`."""
    text = subprocess.run([jfr, "print", "--events", event, "--stack-depth", "64", recording],
                          capture_output=True, text=True, check=True).stdout
    self_count, total_count, samples, focused = collections.Counter(), collections.Counter(), 0, 0
    pattern = re.compile(focus)
    for sample in text.split(event + " {")[1:]:
        frames = [m.group(1) for m in (FRAME.match(line) for line in sample.splitlines()) if m]
        if not frames:
            continue
        samples += 1
        if any(pattern.search(f) for f in frames):
            focused += 1
        self_count[frames[0]] += 1
        for f in set(frames):
            total_count[f] += 1
    if not samples:
        print(f"\nno {event} in the recording")
        return
    print(f"\n{event}: {samples} samples, {100.0 * focused / samples:.1f}% with a frame matching /{focus}/; "
          f"top {top} by self time:")
    for name, n in self_count.most_common(top):
        print(f"  {100.0 * n / samples:5.1f}%  {name}")
    print(f"\ntop {top} by total time (on the stack):")
    for name, n in total_count.most_common(top):
        print(f"  {100.0 * n / samples:5.1f}%  {name}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
