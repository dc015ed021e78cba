"""The `start` and `idle-rss` scenarios: how fast each side starts and how much memory it holds
idle, on Nproxy's bundled configuration (etc/nproxy.xml, etc/nproxy.properties, html/ of the
distribution) and the nginx equivalent (configs.nginx_bundled). No load generator: the table's
`result` column carries the figures, `RSS MiB` the idle RSS.

start, per round: the config check (`nproxy.sh check` / `nginx -t`), then start until /ping
answers 200 (`nproxy.sh start` / nginx's master), then stop. Nproxy's first round has no AOT cache
(a fresh base, as after an install or an upgrade of the JDK or lib/); the harness then waits for
the background training and the other rounds use the cache. Wall times on this machine include
whatever else runs: the JVM's CPU time until the first 200 is printed beside them.

idle-rss: start, one request per listener and path, then RSS after --idle seconds (default 10).
"""
import os
import shutil
import ssl
import statistics
import subprocess
import time
import urllib.request

import configs
import procs
from servers import Nginx

KINDS = ("start", "idle-rss")
TRAINING_WAIT_S = 180


def _get(url, timeout=1.0):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=ctx) as r:
            r.read()
            return r.status
    except Exception:  # noqa: BLE001 (refused, reset, timeout: not up yet)
        return None


def _until_200(url, started, limit_s=60.0):
    """Seconds from `started` (time.monotonic) to the first 200 of url, polled every 10 ms."""
    while time.monotonic() - started < limit_s:
        if _get(url, 0.5) == 200:
            return time.monotonic() - started
        time.sleep(0.01)
    raise RuntimeError(f"{url} did not answer 200 within {limit_s:.0f} s")


def _nproxy_base(home, base):
    """A fresh instance with the distribution's etc/ and html/."""
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    for d in ("etc", "html"):
        shutil.copytree(os.path.join(home, d), os.path.join(base, d))


class _Nproxy:
    def __init__(self, home, base, port, tls_port, aot):
        self.home, self.base, self.port, self.tls_port = home, base, port, tls_port
        self.env = dict(os.environ, NPROXY_BASE=base, NPROXY_AOT=aot, NPROXY_STOP_WAIT="30")
        self.props = [f"-Dhttp.port={port}", f"-Dhttps.port={tls_port}"]

    def _script(self, *args, props=True):
        return subprocess.run([os.path.join(self.home, "bin", "nproxy.sh"), *args, *(self.props if props else [])],
                              env=self.env, capture_output=True, text=True)

    def check(self):
        t0 = time.monotonic()
        r = self._script("check")
        if r.returncode != 0:
            raise RuntimeError(f"nproxy.sh check failed: {(r.stdout + r.stderr).strip()[-300:]}")
        return time.monotonic() - t0

    def start(self):
        """(seconds to the first 200, JVM CPU seconds at that moment, pid)."""
        t0 = time.monotonic()
        script = subprocess.Popen([os.path.join(self.home, "bin", "nproxy.sh"), "start", *self.props],
                                  env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            took = _until_200(f"http://127.0.0.1:{self.port}/ping", t0)
        finally:
            out = script.communicate(timeout=120)[0]
        pid = int(open(os.path.join(self.base, "var", "nproxy.pid")).read().strip())
        procs.own("nproxy", pid, self.stop)
        if script.returncode != 0:
            raise RuntimeError(f"nproxy.sh start failed: {out.strip()[-300:]}")
        return took, procs.cpu_us(pid) / 1e6, pid

    def stop(self):
        pid_file = os.path.join(self.base, "var", "nproxy.pid")
        pid = open(pid_file).read().strip() if os.path.exists(pid_file) else ""
        r = self._script("stop", props=False)
        if r.returncode != 0:
            raise RuntimeError(f"nproxy.sh stop failed: {(r.stdout + r.stderr).strip()[-300:]}")
        if pid:
            procs.disown(int(pid))

    def wait_for_cache(self):
        """Seconds until the background training left a cache in var/aot/, or None."""
        t0 = time.monotonic()
        aot = os.path.join(self.base, "var", "aot")
        while time.monotonic() - t0 < TRAINING_WAIT_S:
            if os.path.isdir(aot) and any(f.endswith(".aot") for f in os.listdir(aot)):
                return time.monotonic() - t0
            time.sleep(0.5)
        return None


def _nginx_conf(run_dir, port, tls_port, home, env):
    return configs.nginx_bundled(run_dir, port, tls_port, os.path.join(home, "html"), env["tls"])


def _nginx_start(run_dir, conf_text, port):
    """(seconds for nginx -t, seconds to the first 200, the Nginx)."""
    os.makedirs(run_dir, exist_ok=True)
    conf = os.path.join(run_dir, "nginx.conf")
    with open(conf, "w") as f:
        f.write(conf_text)
    t0 = time.monotonic()
    subprocess.run(["nginx", "-p", run_dir, "-c", conf, "-e", os.path.join(run_dir, "error.log"), "-t", "-q"],
                   check=True, capture_output=True)
    check = time.monotonic() - t0
    t0 = time.monotonic()
    server = Nginx(run_dir, conf_text, port, 0)
    took = _until_200(f"http://127.0.0.1:{port}/ping", t0)
    return check, took, server


def _ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def run(sc, env, home, tmp, args):
    record = {"name": sc.name, "description": sc.description, "sides": ["nproxy", "nginx"], "ratio": None}
    nproxy = {"proxy": "nproxy", "rounds": []}
    nginx = {"proxy": "nginx", "rounds": []}
    base = os.path.join(tmp, sc.name, "nproxy")
    _nproxy_base(home, base)
    rounds = max(args.rounds, 1)
    try:
        if sc.kind == "start":
            _start_rounds(sc, env, home, tmp, base, rounds, nproxy, nginx)
        else:
            _idle_rounds(sc, env, home, tmp, base, rounds, nproxy, nginx, args)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        for side in (nproxy, nginx):
            side.setdefault("result", f"FAILED: {e}")
    procs.stop_all()
    record["nproxy"], record["nginx"] = nproxy, nginx
    return record


def _start_rounds(sc, env, home, tmp, base, rounds, nproxy, nginx):
    port, tls_port = procs.free_port(), procs.free_port()
    n = _Nproxy(home, base, port, tls_port, "on")
    # Round 0: a fresh base, no AOT cache yet (the first start after an install).
    check0 = n.check()
    first0, cpu0, _ = n.start()
    n.stop()
    trained = n.wait_for_cache()
    checks, firsts, cpus = [], [], []
    for _ in range(rounds):
        checks.append(n.check())
        first, cpu, _ = n.start()
        n.stop()
        firsts.append(first)
        cpus.append(cpu)
    nproxy.update(check_s=statistics.median(checks), first_200_s=statistics.median(firsts),
                  cpu_at_first_200_s=statistics.median(cpus), cold_check_s=check0, cold_first_200_s=first0,
                  cold_cpu_s=cpu0, training_s=trained, rounds=[dict(check_s=c, first_200_s=f, cpu_s=u)
                                                              for c, f, u in zip(checks, firsts, cpus)])
    nproxy["result"] = (f"ok: check {_ms(nproxy['check_s'])}, start to first 200 {_ms(nproxy['first_200_s'])} "
                        f"(JVM CPU {_ms(nproxy['cpu_at_first_200_s'])}); without AOT cache: check {_ms(check0)}, "
                        f"first 200 {_ms(first0)} (CPU {_ms(cpu0)})"
                        + ("" if trained is not None else "; WARNING: no AOT cache was made"))
    checks, firsts = [], []
    for r in range(rounds):
        run_dir = os.path.join(tmp, sc.name, f"nginx{r}")
        ngx_port, ngx_tls = procs.free_port(), procs.free_port()
        check, first, server = _nginx_start(run_dir, _nginx_conf(run_dir, ngx_port, ngx_tls, home, env), ngx_port)
        server.stop()
        procs.disown(server.pid)
        checks.append(check)
        firsts.append(first)
    nginx.update(check_s=statistics.median(checks), first_200_s=statistics.median(firsts))
    nginx["result"] = f"ok: nginx -t {_ms(nginx['check_s'])}, start to first 200 {_ms(nginx['first_200_s'])}"


def _idle_rounds(sc, env, home, tmp, base, rounds, nproxy, nginx, args):
    port, tls_port = procs.free_port(), procs.free_port()
    n = _Nproxy(home, base, port, tls_port, os.environ.get("NPROXY_AOT", "on"))
    urls = [f"http://127.0.0.1:{port}/ping", f"http://127.0.0.1:{port}/", f"https://127.0.0.1:{tls_port}/"]
    idle = args.idle
    if n.env["NPROXY_AOT"] == "on":
        # As a user's server runs from its second start on: with the AOT cache.
        n.start()
        n.stop()
        n.wait_for_cache()
    rss = []
    for _ in range(rounds):
        _, _, pid = n.start()
        for u in urls:
            _get(u, 5)
        time.sleep(idle)
        rss.append(procs.rss_kib(pid) / 1024.0)
        n.stop()
    nproxy["rss_mib"] = statistics.median(rss)
    nproxy["rounds"] = [{"rss_mib": r} for r in rss]
    nproxy["result"] = f"ok: idle RSS after {idle} s, median of {rounds} starts (max {max(rss):.0f} MiB)"
    rss = []
    for r in range(rounds):
        run_dir = os.path.join(tmp, sc.name, f"nginx{r}")
        ngx_port, ngx_tls = procs.free_port(), procs.free_port()
        _, _, server = _nginx_start(run_dir, _nginx_conf(run_dir, ngx_port, ngx_tls, home, env), ngx_port)
        for u in (f"http://127.0.0.1:{ngx_port}/ping", f"http://127.0.0.1:{ngx_port}/",
                  f"https://127.0.0.1:{ngx_tls}/"):
            _get(u, 5)
        time.sleep(idle)
        rss.append(procs.rss_kib(server.pid) / 1024.0)
        server.stop()
        procs.disown(server.pid)
    nginx["rss_mib"] = statistics.median(rss)
    nginx["rounds"] = [{"rss_mib": r} for r in rss]
    nginx["result"] = f"ok: idle RSS (master + worker) after {idle} s, median of {rounds} starts"
