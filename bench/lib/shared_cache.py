"""The `shared-cache` scenario: three Nproxy instances in front of one origin, with and without
a cache zone shared through Redis (modules/cache-redis).

    bench/run.sh shared-cache [--urls N] [--requests N] [--samples N] [--keep]

Prints, per mode: the requests the origin received and the hit ratio seen by the client
(`Cache-Status: nproxy; hit...`) for the same request sequence spread round-robin over the three
instances; then, with the shared tier, the client-side latency of a miss (origin), a shared-tier
hit (the first request on another instance) and a local hit. Everything runs on 127.0.0.1 in a
temp dir: a counting Python origin, a redis-server (`--save '' --appendonly no`), and the
instances from the built distribution (`bin/nproxy.sh start`, NPROXY_BASE per instance), all
stopped by PID at the end. Writes bench/results/shared-cache-<time>.json too.
"""
import argparse
import http.client
import http.server
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procs  # noqa: E402
import servers  # noqa: E402

BODY = b"x" * 1024


class Origin:
    """A threaded HTTP/1.1 origin counting its requests; every path is cacheable for 10 minutes."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # headers and body are two writes: without this, delayed ACKs add ~40 ms to a miss
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self):
                with origin.lock:
                    origin.count += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Cache-Control", "max-age=600")
                self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                self.wfile.write(BODY)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


class Redis:
    def __init__(self, run_dir):
        self.port = procs.free_port()
        os.makedirs(run_dir, exist_ok=True)
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", run_dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        procs.own("redis-server", self.proc.pid, self.stop)
        procs.wait_port(self.port, 30, self.proc.pid)

    def stop(self):
        procs.kill_pid(self.proc.pid, signal.SIGTERM, 10)
        procs.disown(self.proc.pid)


def config(port, origin_port, shared):
    attr = f' shared="{shared}"' if shared else ""
    return f"""<nproxy>
  <access-log off="true"/>
  <cache-zone name="bench" heap="64m" max-object="1m"{attr}/>
  <upstream name="origin"><peer address="127.0.0.1:{origin_port}"/></upstream>
  <server>
    <listen host="127.0.0.1" port="{port}"/>
    <location path="/"><cache zone="bench"/><proxy upstream="origin"/></location>
  </server>
</nproxy>
"""


class Client:
    """Keep-alive connections to the instances; every request carries the same Host (a balancer's)."""

    def __init__(self, ports):
        self.ports = ports
        self.conns = {}

    def get(self, node, path):
        port = self.ports[node % len(self.ports)]
        c = self.conns.get(port)
        if c is None:
            c = self.conns[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start = time.perf_counter()
        try:
            c.request("GET", path, headers={"Host": "bench.test"})
            r = c.getresponse()
            body = r.read()
        except (OSError, http.client.HTTPException):
            c.close()
            self.conns.pop(port, None)
            raise
        elapsed = time.perf_counter() - start
        return r.status, r.getheader("Cache-Status", ""), len(body), elapsed


def run_mode(home, tmp, origin, shared, args):
    """Starts three instances, runs the request sequence, stops them; the counts."""
    label = "shared" if shared else "local"
    nodes = []
    try:
        for i in range(3):
            port = procs.free_port()
            base = os.path.join(tmp, f"{label}-{i}")
            nodes.append(servers.Nproxy(home, base, config(port, origin.port, shared), port, "0,1"))
        ports = [n.port for n in nodes]
        if shared:
            time.sleep(1.0)  # the instances connect to Redis in the background
        # JIT warm-up on other URLs (not counted)
        warm = Client(ports)
        for i in range(args.warmup):
            warm.get(i, f"/warm/{i % 50}")
        before = origin.count
        rng = random.Random(42)
        sequence = [(i % 3, f"/obj/{rng.randrange(args.urls)}") for i in range(args.requests)]
        hits = errors = 0
        lock = threading.Lock()
        chunks = [sequence[t::args.threads] for t in range(args.threads)]

        def work(part):
            nonlocal hits, errors
            c = Client(ports)
            for node, path in part:
                try:
                    status, cache_status, n, _ = c.get(node, path)
                    with lock:
                        if status != 200 or n != len(BODY):
                            errors += 1
                        elif cache_status.startswith("nproxy; hit"):
                            hits += 1
                except (OSError, http.client.HTTPException):
                    with lock:
                        errors += 1

        threads = [threading.Thread(target=work, args=(p,)) for p in chunks]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        result = {"mode": label, "requests": args.requests, "urls": args.urls, "origin_requests": origin.count - before,
                  "hit_ratio": hits / args.requests, "errors": errors, "seconds": round(seconds, 2)}
        if shared:
            result["latency_ms"] = latencies(ports, args.samples)
        return result
    finally:
        for n in reversed(nodes):
            n.stop()


def latencies(ports, samples):
    """A miss on instance 0, the same URL's first request on instance 1 (from Redis), then again (local)."""
    c = Client(ports)
    miss, shared_hit, local_hit = [], [], []
    for i in range(samples):
        path = f"/lat/{i}"
        s, cs, _, t = c.get(0, path)
        if "fwd=" in cs:
            miss.append(t)
        time.sleep(0.02)  # the store to Redis is in the background
        s, cs, _, t = c.get(1, path)
        if cs.startswith("nproxy; hit"):
            shared_hit.append(t)
        s, cs, _, t = c.get(1, path)
        if cs.startswith("nproxy; hit"):
            local_hit.append(t)

    def summary(values):
        if not values:
            return None
        values = sorted(values)
        return {"n": len(values), "p50": round(statistics.median(values) * 1000, 3),
                "p90": round(values[int(len(values) * 0.9) - 1] * 1000, 3)}

    return {"miss": summary(miss), "shared_hit": summary(shared_hit), "local_hit": summary(local_hit)}


def main():
    p = argparse.ArgumentParser(prog="bench/run.sh shared-cache")
    p.add_argument("--urls", type=int, default=500)
    p.add_argument("--requests", type=int, default=6000)
    p.add_argument("--threads", type=int, default=6)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--warmup", type=int, default=3000)
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    home = os.environ.get("NPROXY_HOME", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if not any(f.startswith("nproxy-cache-redis-") for f in os.listdir(os.path.join(home, "lib"))):
        print("bench: no lib/nproxy-cache-redis-*.jar; run ./build.sh first", file=sys.stderr)
        return 2
    if shutil.which("redis-server") is None:
        print("bench: redis-server is not installed (apt-get install redis-server)", file=sys.stderr)
        return 2
    os.environ.setdefault("NPROXY_JAVA_OPTS", "-Xmx256m")
    tmp = tempfile.mkdtemp(prefix="nproxy-bench-shared-")
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    origin = Origin()
    results = []
    try:
        redis = Redis(os.path.join(tmp, "redis"))
        results.append(run_mode(home, tmp, origin, None, args))
        results.append(run_mode(home, tmp, origin, f"redis://127.0.0.1:{redis.port}/0", args))
    finally:
        procs.stop_all()
        origin.close()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"shared-cache: three instances, {args.requests} requests over {args.urls} URLs, round-robin, "
          f"{args.threads} client threads")
    print("| mode | origin requests | hit ratio | errors | seconds |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['mode']} | {r['origin_requests']} | {r['hit_ratio']:.3f} | {r['errors']} | {r['seconds']} |")
    lat = results[-1].get("latency_ms", {})
    print("\nlatency seen by the client (ms; one keep-alive connection, sequential)")
    print("| request | n | p50 | p90 |")
    print("|---|---|---|---|")
    for name in ("local_hit", "shared_hit", "miss"):
        v = lat.get(name)
        print(f"| {name.replace('_', ' ')} | {v['n'] if v else 0} | {v['p50'] if v else '-'} | {v['p90'] if v else '-'} |")
    out = os.path.join(home, "bench", "results")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, time.strftime("shared-cache-%Y%m%dT%H%M%SZ.json", time.gmtime())), "w") as f:
        json.dump({"args": vars(args), "results": results, "loadavg": os.getloadavg()}, f, indent=2)
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
