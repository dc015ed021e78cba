"""A/B of Nproxy variants in one run: bench/ab.sh (see bench/README.md).

Each variant is a distribution (NPROXY_HOME) with the access log on or off. All variants run at
once, pinned to core 0 like bench/run.sh's proxy, each warmed up the same way; then rounds
alternate between them (A B C, C B A, ...) so a busy machine disturbs every variant alike. Prints
the median CPU µs/request and req/s per variant and each one's ratio to the first: on a shared
machine, a difference between two Nproxy builds or settings measured side by side like this is
far steadier than one taken from two separate runs.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

import bench
import configs
import procs
import scenarios
from servers import Nginx, Nproxy


def parse_variant(text):
    """name=HOME:on|off[+metrics][+tracing]"""
    name, _, rest = text.partition("=")
    home, _, flags = rest.rpartition(":")
    log, *extras = flags.split("+")
    if not name or not home or log not in ("on", "off") or any(e not in ("metrics", "tracing") for e in extras):
        raise argparse.ArgumentTypeError(f"expected NAME=HOME:on|off[+metrics][+tracing], got {text!r}")
    return {"name": name, "home": os.path.abspath(home), "access_log": log == "on",
            "metrics": "metrics" in extras, "tracing": "tracing" in extras}


def main(argv):
    p = argparse.ArgumentParser(prog="bench/ab.sh", description="Nproxy variants side by side, alternating rounds.")
    p.add_argument("scenario", choices=[s.name for s in scenarios.ALL if not s.reload and s.client != "h3load"])
    p.add_argument("variant", nargs="+", type=parse_variant,
                   help="NAME=HOME:on|off[+metrics][+tracing] (access log; a <metrics/> location; <tracing sample=1>), 2 or more")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--duration", type=int, default=5)
    p.add_argument("--warmup", type=int, default=8)
    p.add_argument("--max-warmup", type=int, default=16)
    args = p.parse_args(argv)
    args.reload_duration = args.duration
    if len(args.variant) < 2:
        p.error("give at least two variants")
    sc = scenarios.BY_NAME[args.scenario]
    tmp = tempfile.mkdtemp(prefix="nproxy-ab-")
    try:
        env = bench.prepare(tmp, [sc])
        bench.start_origin(sc, env, os.path.join(tmp, "origin"))
        expected = sc.expected_body(env["docroot"])
        sides = []
        for v in args.variant:
            port = procs.free_port()
            venv = dict(env, access_log=v["access_log"], metrics=v["metrics"], tracing=v["tracing"])
            side = bench.start_side(v["name"], lambda: Nproxy(v["home"], os.path.join(tmp, v["name"]),
                                                              sc.nproxy_config(port, venv), port, bench.PROXY_CORE))
            problem = bench.verify(sc, port, expected, None)
            if problem:
                raise RuntimeError(f"{v['name']}: {problem}")
            if v["metrics"]:
                scrape = subprocess.run(["curl", "-sS", "--max-time", "20", f"http://127.0.0.1:{port}/metrics"],
                                        capture_output=True, text=True).stdout
                if "nproxy_requests_total{" not in scrape or "nproxy_upstream_requests_total{" not in scrape:
                    raise RuntimeError(f"{v['name']}: /metrics does not count the requests: {scrape[:300]!r}")
            sides.append(side)
        for side in sides:
            bench.warm_up_jvm(sc, side, args)
        for r in range(args.rounds):
            for side in (sides if r % 2 == 0 else list(reversed(sides))):
                result = bench.measure(sc, side, env, args)
                if result["errors"]:
                    raise RuntimeError(f"{side['proxy']} round {r + 1}: {result['error_detail']}")
                result["rss_mib"] = procs.rss_kib(side["server"].pid) / 1024.0  # right after the round's load
                side["rounds"].append(result)
                bench.log(f"{side['proxy']} round {r + 1}: {result['rps']:.0f} req/s, "
                          f"p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms, "
                          f"{result['cpu_us_per_req']:.1f} µs CPU/req, others on core 0: {result['core_others_pct']:.0f}%")
        print_table(sc, sides)
    finally:
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def print_table(sc, sides):
    first = None
    print(f"\n{sc.name}, {len(sides[0]['rounds'])} alternating rounds; medians; noise = the most other "
          f"processes took of core 0 in a round")
    print(f"{'variant':16} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU µs/req':>11} {'ratio':>6} {'Δ µs/req':>9} "
          f"{'noise %':>8} {'RSS MiB':>8}  rounds (CPU µs/req; p99 ms)")
    for side in sides:
        cpu = statistics.median(r["cpu_us_per_req"] for r in side["rounds"])
        rps = statistics.median(r["rps"] for r in side["rounds"])
        p50 = statistics.median(r["p50_ms"] for r in side["rounds"])
        p99 = statistics.median(r["p99_ms"] for r in side["rounds"])
        noise = max(r["core_others_pct"] or 0.0 for r in side["rounds"])
        first = first or cpu
        each = " ".join(f"{r['cpu_us_per_req']:.1f}" for r in side["rounds"]) + "; " + " ".join(
            f"{r['p99_ms']:.1f}" for r in side["rounds"])
        rss = max(r.get("rss_mib", 0.0) for r in side["rounds"])  # the most after any round
        print(f"{side['proxy']:16} {rps:8.0f} {p50:7.2f} {p99:7.2f} {cpu:11.1f} {cpu / first:5.2f}x {cpu - first:+9.2f} {noise:8.0f} "
              f"{rss:8.0f}  {each}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
