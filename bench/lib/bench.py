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
        env["ws_tunnels"] = ws_tunnels(args, chosen)
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
    p.add_argument("--ws-tunnels", type=int, default=int(os.environ.get("BENCH_WS_TUNNELS", 0)) or None,
                   help="idle tunnels of ws-idle (default 9000: each is 2 files in the proxy and 2 in the driver, "
                        "and the hard limit of open files is often 20000)")
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
    env["home"] = home
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
    if "nproxy-h2" in sc.sides:
        # HTTP/3 scenarios: the same Nproxy process, loaded over h2 by the same client.
        if "server" in sides["nproxy"]:
            sides["nproxy"]["proxy"] = "nproxy h3"
            sides["nproxy-h2"] = {"proxy": "nproxy h2", "server": sides["nproxy"]["server"], "rounds": [],
                                  "result": "running"}
        else:
            sides["nproxy-h2"] = dict(sides["nproxy"], proxy="nproxy h2")
    if "nginx" in sc.sides:
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
    for name in live:
        if sc.websocket:
            sides[name]["ws_driver"] = env["ws_driver"]
    for name in list(live):
        side = sides[name]
        problem = verify_ws(sc, env, name, side["server"].port) if sc.websocket else None
        if not problem and sc.kind != "ws":
            problem = verify(sc, side["server"].port, expected, None)
        if not problem and sc.kind == "cache":
            problem = verify_hit(sc, side["server"], expected)
        if problem:
            log(f"{name}: FAILED before load: {problem}")
            side["result"] = f"FAILED: {problem}"
            live.remove(name)
    for name in list(live):
        try:
            if sc.client == "ws-idle":
                warm_up_ws_idle(sc, sides[name], env, name == "nproxy",
                                args.warmup if name == "nproxy" else args.nginx_warmup)
            elif name == "nproxy":
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
                result = measure_ws_idle(sc, side, env, args) if sc.client == "ws-idle" \
                    else measure(sc, side, env, args)
            except RuntimeError as e:
                fail(sides, live, name, f"round {r + 1}: {e}")
                continue
            side["rounds"].append(result)
            log(f"{name} round {r + 1}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.2f} ms, "
                f"p99 {result['p99_ms']:.2f} ms, {result['errors']} errors"
                f"{' (' + result['error_detail'] + ')' if result['error_detail'] else ''}, "
                f"{result['cpu_us_per_req']:.1f} µs CPU/req, others on core {PROXY_CORE}: "
                f"{result['core_others_pct']:.0f}%"
                + (f", reloads {result['reloads_ok']}/{result['reloads']}" if sc.reload else "")
                + (f", {result['tunnels']} tunnels: RSS +{result['rss_kib_per_tunnel']:.1f} KiB each"
                   if "rss_kib_per_tunnel" in result else "")
                + (f", WebSocket: {result['ws']}" if result.get("ws") else ""))
    for name in live:
        side = sides[name]
        server = side["server"]
        side["rss_mib"] = procs.rss_kib(server.pid) / 1024.0
        side["cpus_allowed"] = procs.cpus_allowed(server.pid)
        if sc.websocket:
            for pool in ("echo", "idle", "active"):
                env["ws_driver"].close(f"{name}-{pool}")
        problem = verify_ws(sc, env, name, server.port) if sc.websocket else None
        if not problem and sc.kind != "ws":
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
        sides[name].pop("ws_driver", None)
        record[name] = sides[name]
    record["sides"] = list(sc.sides)
    record["ratio"] = ratio(sides["nproxy"], *[sides[n] for n in sc.sides[1:]])
    if record["ratio"] and sc.client == "ws-idle":
        ng = sides["nginx"]["rss_kib_per_tunnel"]
        record["ratio"]["rss_kib_per_tunnel"] = sides["nproxy"]["rss_kib_per_tunnel"] / ng if ng > 0 else None
    record["loadavg_after"] = loadavg()
    return record


def start_origin(sc, env, run_dir):
    """The origin nginx on the client's core, for the scenarios that proxy (and cache); for the
    WebSocket ones, the WebSocket driver (client and echo upstream in one JVM) on that core."""
    if sc.websocket:
        driver = load.WsDriver(env["home"], CLIENT_CORE, run_dir)
        env["ws_driver"] = driver
        env["origin_port"] = driver.port
        log(f"WebSocket driver (client + echo upstream): pid {driver.pid}, echo on 127.0.0.1:{driver.port}")
        return
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
    stopped = set()
    for name in live:
        side = sides[name]
        sharing = [n for n in live if sides[n]["server"] is side["server"]]
        if id(side["server"]) in stopped:
            continue  # h3 scenarios: one process, two sides; counted once, below
        stopped.add(id(side["server"]))
        side["server"].stop()
        try:
            with open(access_log_path(side["server"]), "rb") as f:
                lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        except OSError as e:
            lines = None
            log(f"{name}: access log unreadable: {e}")
        side["access_log_lines"] = lines
        answered = sum(sides[n].get("answered", 0) for n in sharing)
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
    if sc.client == "ws":
        result = side["ws_driver"].echo(f"{side['proxy']}-echo", ws_url(sc, port), sc.connections, seconds,
                                        sc.ws_size)
        # every tunnel's upgrade is one access log line; its messages are not
        side["answered"] = max(side.get("answered", 0), sc.connections)
        return result
    if sc.client == "h3load":
        proto = "h2" if side.get("proxy", "").endswith("h2") else "h3"
        result = load.h3load(side["server"].home, url(sc, port), seconds, sc.connections, sc.streams, CLIENT_CORE,
                             proto)
    elif sc.client == "h2load":
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
    mixed = sc.websocket and sc.kind != "ws"
    if mixed:
        open_mixed_tunnels(sc, side, env)
    before = cpu_us(server)
    core_before = procs.core_times(PROXY_CORE)
    echoing = WsEchoThread(sc, side, env, seconds) if mixed else None
    if reloader:
        reloader.start()
    if echoing:
        echoing.start()
    try:
        result = drive(sc, side, seconds)
    finally:
        if echoing:
            echoing.join()
        if reloader:
            reloader.finish()
    used = cpu_us(server) - before
    busy, total = (a - b for a, b in zip(procs.core_times(PROXY_CORE), core_before))
    # What else ran on the proxy's core during the round (other users of the machine): noise.
    result["core_others_pct"] = max(0.0, 100.0 * (busy - used * procs.CLK_TCK / 1e6) / total) if total else None
    result["cpu_us"] = used
    result["cpu_us_per_req"] = used / result["requests"] if result["requests"] else float("nan")
    if mixed:
        add_ws_outcome(sc, side, env, result, echoing)
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
    if "rss_kib_per_tunnel" in rounds[0]:
        side["rss_kib_per_tunnel"] = med("rss_kib_per_tunnel")
        side["result"] += f" ({rounds[0]['tunnels']} tunnels, RSS +{side['rss_kib_per_tunnel']:.1f} KiB each)"
    if rounds[0].get("ws"):
        side["result"] += " (WebSocket: " + "; ".join(r["ws"] for r in rounds) + ")"
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


# --- WebSocket scenarios (ws-echo, ws-idle, reload-mixed) -------------------------------------

WS_IDLE_DEFAULT = 9000


def ws_tunnels(args, chosen):
    """ws-idle's tunnel count, within the open-file limit: raises the soft limit to the hard one
    (children inherit it) and refuses a count the proxy or the driver could not hold."""
    import resource
    n = args.ws_tunnels or WS_IDLE_DEFAULT
    if not any(s.websocket for s in chosen):
        return n
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if any(s.client == "ws-idle" for s in chosen):
        # the proxy holds a client and an upstream connection per tunnel, the driver both ends
        room = (hard - 300) // 2 if hard != resource.RLIM_INFINITY else n
        if n > room:
            raise RuntimeError(f"--ws-tunnels {n} needs {2 * n + 300} open files per process; the hard limit "
                               f"is {hard} (ulimit -Hn): use --ws-tunnels {room} or raise the limit")
    return n


def ws_url(sc, port):
    return f"{'wss' if sc.tls else 'ws'}://127.0.0.1:{port}{sc.ws_path}"


def verify_ws(sc, env, name, port):
    """None if one tunnel through the proxy echoes a message byte for byte, else why not."""
    driver = env["ws_driver"]
    pool = f"{name}-verify"
    try:
        a = driver.open(pool, ws_url(sc, port), 1, sc.ws_size)
    except RuntimeError as e:
        return str(e)
    finally:
        driver.close(pool)
    if a["failed"]:
        return f"WebSocket echo through the proxy failed: {a.get('first_failure', '?')}"
    return None


def warm_up_ws_idle(sc, side, env, jvm, seconds):
    """Echo load on 50 tunnels for `seconds` (a JVM's young generation is then touched through,
    so its first use is not charged to the tunnels), then a few hundred tunnels opened, proven and
    closed (classes loaded, pools made), then the proxy's RSS with no tunnel: the base the
    rounds' RSS is compared with."""
    driver = env["ws_driver"]
    side["ws_driver"] = driver
    url = ws_url(sc, side["server"].port)
    if seconds > 0:
        e = driver.echo(f"{side['proxy']}-warm", url, 50, seconds, sc.ws_size)
        driver.close(f"{side['proxy']}-warm")
        side["answered"] = side.get("answered", 0) + 50
        if e["errors"]:
            raise RuntimeError(f"warm-up echo: {e['error_detail']}")
    n = min(500, env["ws_tunnels"])
    for _ in range(3 if jvm else 1):
        a = driver.open(f"{side['proxy']}-idle", ws_url(sc, side["server"].port), n, sc.ws_size)
        driver.close(f"{side['proxy']}-idle")
        if a["failed"]:
            raise RuntimeError(f"{a['failed']} of {n} warm-up tunnels failed: {a.get('first_failure', '?')}")
    side["answered"] = side.get("answered", 0) + (3 if jvm else 1) * n
    time.sleep(2)  # let the closes finish on both sides
    side["rss_base_kib"] = procs.rss_kib(side["server"].pid)
    log(f"{side['proxy']}: warm-up {seconds} s of echoes, {3 if jvm else 1} x {n} tunnels; RSS with none open "
        f"{side['rss_base_kib'] / 1024:.1f} MiB")


def measure_ws_idle(sc, side, env, args):
    """Opens the tunnels (each proven by one echo), leaves them idle for --duration seconds,
    reads the proxy's RSS, then one echo on every tunnel (a dropped one is an error) and closes."""
    driver = env["ws_driver"]
    server = side["server"]
    n = env["ws_tunnels"]
    pool = f"{side['proxy']}-idle"
    before = cpu_us(server)
    core_before = procs.core_times(PROXY_CORE)
    t0 = time.monotonic()
    opened = driver.open(pool, ws_url(sc, server.port), n, sc.ws_size)
    open_s = time.monotonic() - t0
    side["answered"] = side.get("answered", 0) + opened["opened"]
    idle_cpu0 = cpu_us(server)
    time.sleep(args.duration)
    idle_cpu = cpu_us(server) - idle_cpu0
    rss = procs.rss_kib(server.pid)
    checked = driver.check(pool)
    used = cpu_us(server) - before
    busy, total = (a - b for a, b in zip(procs.core_times(PROXY_CORE), core_before))
    driver.close(pool)
    time.sleep(2)  # the proxy finishes the close handshakes before the next round's RSS
    errors = opened["failed"] + checked["dropped"]
    detail = []
    if opened["failed"]:
        detail.append(f"{opened['failed']} tunnels not opened ({opened.get('first_failure', '?')})")
    if checked["dropped"]:
        detail.append(f"{checked['dropped']} tunnels dropped while idle ({checked.get('detail', '')})")
    return {"requests": opened["opened"], "seconds": open_s, "rps": opened["opened"] / open_s if open_s else 0.0,
            "p50_ms": float("nan"), "p99_ms": float("nan"), "errors": errors, "error_detail": ", ".join(detail),
            "cpu_us": used, "cpu_us_per_req": used / opened["opened"] if opened["opened"] else float("nan"),
            "core_others_pct": max(0.0, 100.0 * (busy - used * procs.CLK_TCK / 1e6) / total) if total else None,
            "tunnels": opened["opened"], "rss_kib": rss, "rss_base_kib": side["rss_base_kib"],
            "rss_kib_per_tunnel": (rss - side["rss_base_kib"]) / max(1, opened["opened"]),
            "idle_cpu_us_per_s": idle_cpu / args.duration,
            "command": f"WsLoad driver: open {n} tunnels to {ws_url(sc, server.port)}, idle {args.duration} s, "
                       f"RSS, one echo each, close"}


def open_mixed_tunnels(sc, side, env):
    """reload-mixed: the idle tunnels that must live through the reloads (opened once per side)."""
    if side.get("ws_opened"):
        return
    a = env["ws_driver"].open(f"{side['proxy']}-idle", ws_url(sc, side["server"].port), sc.ws_tunnels, sc.ws_size)
    if a["failed"]:
        raise RuntimeError(f"{a['failed']} of {sc.ws_tunnels} WebSocket tunnels not opened: "
                           f"{a.get('first_failure', '?')}")
    side["ws_opened"] = True
    side["answered"] = side.get("answered", 0) + sc.ws_tunnels


class WsEchoThread(threading.Thread):
    """reload-mixed: ws_active tunnels echo for the round's length beside the h2 load."""

    def __init__(self, sc, side, env, seconds):
        super().__init__(daemon=True)
        self.sc, self.side, self.env, self.seconds = sc, side, env, seconds
        self.result = None
        self.error = None

    def run(self):
        try:
            self.result = self.env["ws_driver"].echo(f"{self.side['proxy']}-active",
                                                     ws_url(self.sc, self.side["server"].port),
                                                     self.sc.ws_active, self.seconds, self.sc.ws_size)
        except RuntimeError as e:
            self.error = str(e)


def add_ws_outcome(sc, side, env, result, echoing):
    """reload-mixed: failed echoes and tunnels dropped by the reloads are errors of the round."""
    checked = env["ws_driver"].check(f"{side['proxy']}-idle")
    side["answered"] = max(side.get("answered", 0), sc.ws_tunnels + sc.ws_active)
    problems = []
    ws_errors = checked["dropped"]
    if checked["dropped"]:
        problems.append(f"{checked['dropped']} of {sc.ws_tunnels} idle tunnels dropped ({checked.get('detail', '')})")
    if echoing.error:
        ws_errors += 1
        problems.append(f"echo run failed: {echoing.error}")
    elif echoing.result["errors"]:
        ws_errors += echoing.result["errors"]
        problems.append(echoing.result["error_detail"])
    result["ws"] = (f"{checked['alive']}/{sc.ws_tunnels} idle tunnels alive, "
                    f"{echoing.result['requests'] if echoing.result else 0} echoes on {sc.ws_active}, "
                    f"{ws_errors} errors")
    if ws_errors:
        result["errors"] += ws_errors
        result["error_detail"] = ", ".join(filter(None, [result["error_detail"]] + problems))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
