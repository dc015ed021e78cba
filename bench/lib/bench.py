"""Nproxy vs nginx, side by side: the engine behind bench/run.sh (see bench/README.md).

For each scenario: start the origin if needed (core 1), start Nproxy (unless `check` refuses
its config: SKIPPED) and nginx (core 0 each), prove each answers the exact expected body,
warm up, then run alternating rounds with the same client (core 1), measuring the proxy's
CPU from /proc/PID/stat around each round, and RSS after. Everything started is stopped by
PID on exit, Ctrl-C or SIGTERM.
"""
import argparse
import datetime
import hashlib
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import configs
import load
import procs
import report
import scenarios
import startup
from servers import Nginx, Nproxy, Varnish

PROXY_CORE = 0
CLIENT_CORE = 1


def log(msg):
    print(f"[{datetime.datetime.now(datetime.timezone.utc):%H:%M:%S}] {msg}", flush=True)


def main(argv):
    args = parse_args(argv)
    if args.list:
        for s in scenarios.ALL:
            print(f"{s.name:18} {s.description}")
        return 0
    chosen = [scenarios.BY_NAME[n] for n in (args.scenario or [s.name for s in scenarios.ALL])]
    home = os.environ.get("NPROXY_HOME") or args.home
    results_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "results")
    os.makedirs(results_dir, exist_ok=True)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    tmp = tempfile.mkdtemp(prefix="nproxy-bench-")
    started = datetime.datetime.now(datetime.timezone.utc)
    doc = {
        "started": started.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "command": "bench/run.sh " + " ".join(argv),
        "machine": machine(),
        "settings": {"rounds": args.rounds, "duration_s": args.duration, "reload_duration_s": args.reload_duration,
                     "warmup_s": args.warmup, "max_warmup_s": args.max_warmup, "nginx_warmup_s": args.nginx_warmup,
                     "proxy_core": PROXY_CORE, "client_core": CLIENT_CORE, "nproxy_home": home,
                     "access_log": not args.no_access_log,
                     "nproxy_java_opts": os.environ.get("NPROXY_JAVA_OPTS", "(bin/nproxy.sh's default)")},
        "scenarios": [],
    }
    interrupted = False
    try:
        env = prepare(tmp, chosen)
        env["access_log"] = not args.no_access_log
        log("access log " + ("on for both (nginx buffer=64k flush=1s, Nproxy's default)"
                             if env["access_log"] else "off for both (--no-access-log)"))
        for sc in chosen:
            log(f"=== {sc.name}: {sc.description}")
            try:
                if sc.kind in startup.KINDS:
                    doc["scenarios"].append(startup.run(sc, env, home, tmp, args))
                    procs.stop_all()
                    continue
                doc["scenarios"].append(run_scenario(sc, env, home, tmp, args))
            except (RuntimeError, ValueError, OSError) as e:
                log(f"{sc.name}: harness error: {e}")
                failed = {"result": f"FAILED: harness error: {e}"}
                record = {"name": sc.name, "description": sc.description, "sides": list(sc.sides), "ratio": None}
                record.update({n: dict(failed, proxy=n) for n in sc.sides})
                doc["scenarios"].append(record)
            procs.stop_all()
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted; stopping everything this run started")
    finally:
        # A second Ctrl-C must not cut the cleanup short.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        procs.stop_all()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"kept {tmp}")
    doc["machine"]["loadavg_after"] = loadavg()
    doc["finished"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    doc["elapsed_s"] = round(time.monotonic() - T0, 1)
    if interrupted:
        doc["interrupted"] = True
    if not doc["scenarios"]:
        return 130 if interrupted else 1
    print()
    print(report.text_table(doc["scenarios"]))
    if report.noise_warning(doc["scenarios"]):
        print("\n" + report.noise_warning(doc["scenarios"]))
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    md, js = (os.path.join(results_dir, f"{stamp}.{ext}") for ext in ("md", "json"))
    report.write(doc, md, js)
    shutil.copyfile(md, os.path.join(results_dir, "latest.md"))
    shutil.copyfile(js, os.path.join(results_dir, "latest.json"))
    print(f"\nwrote {os.path.relpath(md)} and {os.path.relpath(js)} ({doc['elapsed_s']:.0f} s)")
    if interrupted:
        return 130
    return 1 if any(s[n]["result"].startswith("FAILED") for s in doc["scenarios"] for n in report.sides(s)) else 0


T0 = time.monotonic()


def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(prog="bench/run.sh", description="Nproxy vs nginx, side by side.")
    p.add_argument("scenario", nargs="*", help="scenarios to run (default: all); see --list")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
    p.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 5)),
                   help="seconds per round (default 5)")
    p.add_argument("--reload-duration", type=int, default=int(os.environ.get("BENCH_RELOAD_DURATION", 30)),
                   help="seconds per reload-under-load round (default 30)")
    p.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", 8)),
                   help="least seconds of load on each fresh Nproxy JVM before measuring (default 8)")
    p.add_argument("--max-warmup", type=int, default=int(os.environ.get("BENCH_MAX_WARMUP", 16)),
                   help="longest JVM warm-up when CPU per request keeps falling (default 20)")
    p.add_argument("--nginx-warmup", type=int, default=int(os.environ.get("BENCH_NGINX_WARMUP", 2)))
    p.add_argument("--no-access-log", action="store_true",
                   default=os.environ.get("BENCH_ACCESS_LOG", "on") == "off",
                   help="turn the access log off on both sides (default: on, as users run them)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (configs, logs)")
    p.add_argument("--idle", type=int, default=int(os.environ.get("BENCH_IDLE", 10)),
                   help="idle-rss: seconds between the last request and reading RSS (default 10)")
    p.add_argument("--home", default=os.path.dirname(os.path.dirname(here)), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    unknown = [n for n in args.scenario if n not in scenarios.BY_NAME]
    if unknown:
        p.error(f"unknown scenario {', '.join(unknown)}; expected: {', '.join(scenarios.BY_NAME)}")
    if args.rounds < 1 or args.duration < 1:
        p.error("--rounds and --duration must be at least 1")
    if args.rounds < 3:
        log(f"warning: {args.rounds} rounds; published figures need at least 3")
    return args


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    java = subprocess.run(["bash", "-c", 'cd "$1" && . bin/find-java.sh && nproxy_find_java && '
                           '"$NPROXY_JAVA" -version 2>&1 | head -n1', "_",
                           os.environ.get("NPROXY_HOME") or os.path.dirname(os.path.dirname(
                               os.path.dirname(os.path.abspath(__file__))))],
                          capture_output=True, text=True).stdout.strip()
    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    return {"nproc": os.cpu_count(), "cpu_model": model, "kernel": platform.platform(),
            "nginx": nginx.replace("nginx version: ", ""), "java": java, "loadavg_before": loadavg()}


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def prepare(tmp, chosen):
    """Files to serve, and a self-signed certificate if a TLS scenario runs."""
    # nginx workers run as nobody when started by root: the files must be world-readable.
    os.chmod(tmp, 0o755)
    docroot = os.path.join(tmp, "www")
    os.makedirs(docroot, mode=0o755)
    for name, size in scenarios.FILES.items():
        with open(os.path.join(docroot, name), "wb") as f:
            f.write(os.urandom(size))
        os.chmod(os.path.join(docroot, name), 0o644)
    env = {"docroot": docroot, "tls": None}
    if any(s.tls for s in chosen):
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, capture_output=True)
        env["tls"] = {"cert": cert, "key": key}
    return env


def run_scenario(sc, env, home, tmp, args):
    """Both sides of one scenario; returns its result record."""
    env = dict(env)
    record = {"name": sc.name, "description": sc.description, "client": sc.client,
              "connections": sc.connections, "streams": sc.streams, "loadavg_before": loadavg()}
    start_origin(sc, env, os.path.join(tmp, sc.name, "origin"))
    expected = sc.expected_body(env["docroot"])
    sides = {}

    # Nproxy: refused by `check` (module not in lib/ yet) means SKIPPED, not a crash.
    nproxy_port = procs.free_port()
    base = os.path.join(tmp, sc.name, "nproxy")
    refused = Nproxy.check(home, base, sc.nproxy_config(nproxy_port, env, 0 if sc.reload else None))
    if refused:
        log(f"nproxy: SKIPPED: {refused}")
        sides["nproxy"] = {"proxy": "nproxy", "result": f"SKIPPED: {refused}"}
    else:
        try:
            sides["nproxy"] = start_side("nproxy", lambda: Nproxy(
                home, base, sc.nproxy_config(nproxy_port, env, 0 if sc.reload else None), nproxy_port, PROXY_CORE))
        except RuntimeError as e:
            sides["nproxy"] = {"proxy": "nproxy", "result": f"FAILED: {e}"}
    nginx_port = procs.free_port()
    run_dir = os.path.join(tmp, sc.name, "nginx")
    try:
        sides["nginx"] = start_side("nginx", lambda: Nginx(
            run_dir, sc.nginx_config(run_dir, nginx_port, env, 0 if sc.reload else None), nginx_port, PROXY_CORE))
    except RuntimeError as e:
        sides["nginx"] = {"proxy": "nginx", "result": f"FAILED: {e}"}
    if "varnish" in sc.sides:
        varnish_port = procs.free_port()
        try:
            sides["varnish"] = start_side("varnish", lambda: Varnish(
                os.path.join(tmp, sc.name, "varnish"), varnish_port, env["origin_port"], PROXY_CORE,
                env.get("access_log", True)))
        except RuntimeError as e:
            sides["varnish"] = {"proxy": "varnish", "result": f"FAILED: {e}"}

    live = [n for n in sc.sides if "server" in sides[n]]
    for name in list(live):
        side = sides[name]
        problem = verify(sc, side["server"].port, expected, None)
        if not problem and sc.kind == "cache":
            problem = verify_hit(sc, side["server"], expected)
        if problem:
            log(f"{name}: FAILED before load: {problem}")
            side["result"] = f"FAILED: {problem}"
            live.remove(name)
    for name in list(live):
        try:
            if name == "nproxy":
                sides[name]["warmup"] = warm_up_jvm(sc, sides[name], args)
            elif args.nginx_warmup > 0:
                log(f"{name}: warm-up {args.nginx_warmup} s")
                drive(sc, sides[name], args.nginx_warmup)
        except RuntimeError as e:
            fail(sides, live, name, f"warm-up: {e}")
    for r in range(args.rounds):
        order = live if r % 2 == 0 else list(reversed(live))
        for name in list(order):
            side = sides[name]
            try:
                result = measure(sc, side, env, args)
            except RuntimeError as e:
                fail(sides, live, name, f"round {r + 1}: {e}")
                continue
            side["rounds"].append(result)
            log(f"{name} round {r + 1}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.2f} ms, "
                f"p99 {result['p99_ms']:.2f} ms, {result['errors']} errors"
                f"{' (' + result['error_detail'] + ')' if result['error_detail'] else ''}, "
                f"{result['cpu_us_per_req']:.1f} µs CPU/req, others on core {PROXY_CORE}: "
                f"{result['core_others_pct']:.0f}%"
                + (f", reloads {result['reloads_ok']}/{result['reloads']}" if sc.reload else ""))
    for name in live:
        side = sides[name]
        server = side["server"]
        side["rss_mib"] = procs.rss_kib(server.pid) / 1024.0
        side["cpus_allowed"] = procs.cpus_allowed(server.pid)
        problem = verify(sc, server.port, expected, side.get("generation"))
        for _ in range(20):  # nginx applies a reload asynchronously: give its new worker a moment
            if not problem or "X-Generation" not in problem:
                break
            time.sleep(0.1)
            problem = verify(sc, server.port, expected, side.get("generation"))
        if problem:
            side["after_check"] = problem
        summarize(side)
        log(f"{name}: {side['result']}")
    if env.get("access_log", True):
        check_access_logs(sides, live)
    for name in sc.sides:
        sides[name].pop("server", None)
        record[name] = sides[name]
    record["sides"] = list(sc.sides)
    record["ratio"] = ratio(sides["nproxy"], *[sides[n] for n in sc.sides[1:]])
    record["loadavg_after"] = loadavg()
    return record


def start_origin(sc, env, run_dir):
    """The origin nginx on the client's core, for the scenarios that proxy (and cache)."""
    if sc.kind not in ("proxy", "cache"):
        return
    env["origin_port"] = procs.free_port()
    # The cache scenarios' origin lets every cache keep the files for a day.
    cache_control = "public, max-age=86400" if sc.kind == "cache" else None
    Nginx(run_dir, configs.nginx_static(run_dir, env["origin_port"], env["docroot"], cache_control=cache_control),
          env["origin_port"], CLIENT_CORE, label="origin nginx")


def access_log_path(server):
    if isinstance(server, Nproxy):
        return os.path.join(server.base, "logs", "access.log")
    return os.path.join(server.run_dir, "access.log")


def cpu_us(server):
    """CPU of a side: the process tree (Varnish adds its varnishncsa)."""
    return server.cpu_us() if hasattr(server, "cpu_us") else procs.cpu_us(server.pid)


def check_access_logs(sides, live):
    """Stops each side, then compares its access log's lines with the requests the clients saw
    answered: a log may hold more (requests in flight when a client stopped), never fewer."""
    for name in live:
        side = sides[name]
        side["server"].stop()
        try:
            with open(access_log_path(side["server"]), "rb") as f:
                lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        except OSError as e:
            lines = None
            log(f"{name}: access log unreadable: {e}")
        side["access_log_lines"] = lines
        answered = side.get("answered", 0)
        if lines is not None and lines < answered:
            log(f"{name}: WARNING: access log has {lines} lines for {answered} answered requests "
                f"({answered - lines} lost)")
        else:
            log(f"{name}: access log {lines} lines for {answered} answered requests")


WARMUP_STEP_S = 4


def warm_up_jvm(sc, side, args):
    """Loads a fresh JVM until the JIT is done: at least --warmup seconds, then 4 s steps until
    CPU per request stops falling by more than 10 %, at most --max-warmup seconds in all.

    On a busy machine the JIT gets less CPU and needs longer; a fixed warm-up would then
    measure a half-compiled Nproxy."""
    server = side["server"]
    steps = []
    first = max(1, args.warmup)
    elapsed = 0
    seconds = first
    while True:
        before = cpu_us(server)
        result = drive(sc, side, seconds)
        used = cpu_us(server) - before
        per_req = used / result["requests"] if result["requests"] else float("inf")
        steps.append({"seconds": seconds, "rps": result["rps"], "cpu_us_per_req": per_req})
        elapsed += seconds
        settled = len(steps) >= 2 and per_req >= 0.9 * steps[-2]["cpu_us_per_req"]
        if settled or elapsed + WARMUP_STEP_S > args.max_warmup:
            break
        seconds = WARMUP_STEP_S
    settled = len(steps) >= 2 and steps[-1]["cpu_us_per_req"] >= 0.9 * steps[-2]["cpu_us_per_req"]
    log(f"nproxy: warm-up {elapsed} s, CPU µs/req by step: "
        + " -> ".join(f"{s['cpu_us_per_req']:.0f}" for s in steps)
        + ("" if settled else " (still falling at --max-warmup)"))
    return {"steps": steps, "settled": settled}


def fail(sides, live, name, problem):
    """The side cannot go on (its client hung or crashed): FAILED, and out of the rounds."""
    log(f"{name}: FAILED: {problem}")
    sides[name]["result"] = f"FAILED: {problem}"
    sides[name]["failed"] = True
    live.remove(name)


def start_side(name, factory):
    t = time.monotonic()
    server = factory()
    log(f"{name}: listening on 127.0.0.1:{server.port}, pid {server.pid}, cpus {procs.cpus_allowed(server.pid)}, "
        f"started in {time.monotonic() - t:.1f} s")
    return {"proxy": name, "server": server, "rounds": [], "result": "running"}


def url(sc, port, path=None):
    return f"{'https' if sc.tls else 'http'}://127.0.0.1:{port}{path or sc.paths()[0]}"


HIT_MARKERS = {"nproxy": ("cache-status", "nproxy; hit"), "nginx": ("x-cache-status", "HIT"),
               "varnish": ("x-varnish", " ")}  # Varnish: two transaction ids on a hit


def verify_hit(sc, server, expected):
    """Cache scenarios: every URL once more must now be a hit (the first checks stored them)."""
    header, marker = HIT_MARKERS[server.name]
    for path in sc.paths():
        subprocess.run(["curl", "-sS", "--max-time", "20", "-o", "/dev/null", url(sc, server.port, path)],
                       capture_output=True)
    r = subprocess.run(["curl", "-sS", "--max-time", "20", "-o", "/dev/null", "-D", "-", url(sc, server.port)],
                       capture_output=True, text=True)
    for line in r.stdout.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == header and marker in value.strip():
            return None
    return f"not a cache hit (no {header}: ...{marker.strip() or 'two ids'}... in {r.stdout.strip()!r})"


def verify(sc, port, expected, generation):
    """None if one request gets 200 and exactly the expected body (and generation), else why not."""
    body_file = tempfile.NamedTemporaryFile(prefix="bench-body-", delete=False)
    body_file.close()
    try:
        cmd = ["curl", "-sS", "--max-time", "20", "-o", body_file.name, "-D", "-",
               "-w", "%{http_code} %{http_version}\\n", url(sc, port)]
        if sc.tls:
            cmd[1:1] = ["-k", "--http2"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            return f"curl: {r.stderr.strip()}"
        status, version = r.stdout.strip().splitlines()[-1].split()
        if status != "200":
            return f"status {status}"
        if sc.tls and version != "2":
            return f"HTTP/{version} instead of h2"
        with open(body_file.name, "rb") as f:
            body = f.read()
        if body != expected:
            return (f"body differs ({len(body)} bytes, sha256 {hashlib.sha256(body).hexdigest()[:12]}; expected "
                    f"{len(expected)} bytes, {hashlib.sha256(expected).hexdigest()[:12]})")
        if generation is not None and f"x-generation: {generation}" not in r.stdout.lower():
            return f"reloaded config not in effect: expected X-Generation {generation}"
        return None
    finally:
        os.unlink(body_file.name)


def drive(sc, side, seconds):
    """Loads one side; counts what the client saw answered (for the access log check)."""
    port = side["server"].port
    if sc.client == "h2load":
        result = load.h2load(url(sc, port), seconds, sc.connections, sc.streams, CLIENT_CORE)
    else:
        result = load.wrk(url(sc, port), seconds, sc.connections, CLIENT_CORE,
                          paths=sc.paths() if sc.keys > 1 else None)
    side["answered"] = side.get("answered", 0) + result["requests"]
    return result


def measure(sc, side, env, args):
    server = side["server"]
    seconds = args.reload_duration if sc.reload else args.duration
    reloader = Reloader(sc, server, env, side) if sc.reload else None
    before = cpu_us(server)
    core_before = procs.core_times(PROXY_CORE)
    if reloader:
        reloader.start()
    try:
        result = drive(sc, side, seconds)
    finally:
        if reloader:
            reloader.finish()
    used = cpu_us(server) - before
    busy, total = (a - b for a, b in zip(procs.core_times(PROXY_CORE), core_before))
    # What else ran on the proxy's core during the round (other users of the machine): noise.
    result["core_others_pct"] = max(0.0, 100.0 * (busy - used * procs.CLK_TCK / 1e6) / total) if total else None
    result["cpu_us"] = used
    result["cpu_us_per_req"] = used / result["requests"] if result["requests"] else float("nan")
    if reloader:
        result["reloads"] = reloader.count
        result["reloads_ok"] = reloader.ok
        if reloader.ok != reloader.count:
            result["errors"] += reloader.count - reloader.ok
            result["error_detail"] = ", ".join(filter(None, [result["error_detail"],
                                                             f"{reloader.count - reloader.ok} failed reloads"]))
    return result


class Reloader(threading.Thread):
    """Rewrites the config (a new X-Generation header) and reloads once a second."""

    def __init__(self, sc, server, env, side):
        super().__init__(daemon=True)
        self.sc, self.server, self.env, self.side = sc, server, env, side
        self.stop_event = threading.Event()
        self.count = 0
        self.ok = 0

    def run(self):
        next_at = time.monotonic() + 1
        while not self.stop_event.wait(max(0.0, next_at - time.monotonic())):
            next_at += 1
            generation = self.side.get("generation", 0) + 1
            if isinstance(self.server, Nproxy):
                self.server.write(self.sc.nproxy_config(self.server.port, self.env, generation))
            else:
                self.server.write(self.sc.nginx_config(self.server.run_dir, self.server.port, self.env, generation))
            self.count += 1
            if self.server.reload():
                self.ok += 1
                self.side["generation"] = generation

    def finish(self):
        self.stop_event.set()
        self.join()


def summarize(side):
    rounds = side["rounds"]
    med = lambda key: statistics.median(r[key] for r in rounds)  # noqa: E731
    side["rps"] = med("rps")
    side["p50_ms"] = med("p50_ms")
    side["p99_ms"] = med("p99_ms")
    side["cpu_us_per_req"] = med("cpu_us_per_req")
    side["errors"] = sum(r["errors"] for r in rounds)
    side["core_others_pct"] = max(r["core_others_pct"] or 0.0 for r in rounds)
    problems = [r["error_detail"] for r in rounds if r["errors"]]
    if side.get("after_check"):
        problems.append("after the run: " + side["after_check"])
    if side["errors"] or side.get("after_check"):
        side["result"] = "FAILED: " + "; ".join(problems)
    else:
        side["result"] = "ok"
    if side.get("warmup") and not side["warmup"]["settled"]:
        side["result"] += " (JIT warm-up unsettled)"
    if "reloads" in rounds[0]:
        ok, count = sum(r["reloads_ok"] for r in rounds), sum(r["reloads"] for r in rounds)
        side["result"] += f" ({ok}/{count} reloads)"


def ratio(nproxy, *peers):
    """Nproxy against its peer (nginx), or with several peers against the best of them: req/s
    over the faster peer's, CPU per request over the cheaper peer's (the issue's targets)."""
    ok = [p for p in peers if p.get("result", "").startswith("ok")]
    if not nproxy.get("result", "").startswith("ok") or not ok:
        return None
    fastest = max(ok, key=lambda p: p["rps"])
    cheapest = min(ok, key=lambda p: p["cpu_us_per_req"])
    return {"rps": nproxy["rps"] / fastest["rps"] if fastest["rps"] else None,
            "cpu_us_per_req": nproxy["cpu_us_per_req"] / cheapest["cpu_us_per_req"]
            if cheapest["cpu_us_per_req"] else None,
            "rps_peer": fastest["proxy"], "cpu_peer": cheapest["proxy"]}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
