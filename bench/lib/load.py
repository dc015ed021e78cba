"""Load generators (wrk for HTTP/1.1, h2load for h2 over TLS) and the parsers of their output.

A run returns a dict: requests, rps, p50_ms, p99_ms, errors (non-2xx answers + socket errors +
timeouts), error_detail (what the errors were), seconds.
"""
import math
import os
import re
import subprocess
import tempfile

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def _ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"not a wrk time: {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(out):
    """Parses `wrk --latency` output."""
    def find(pattern, default=None):
        m = re.search(pattern, out, re.M)
        if m is None:
            if default is not None:
                return default
            raise ValueError(f"wrk output lacks /{pattern}/:\n{out}")
        return m.groups()
    requests, seconds = find(r"^\s*(\d+) requests in ([\d.]+\w+),")
    socket = find(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", ("0", "0", "0", "0"))
    non2xx = int(find(r"Non-2xx or 3xx responses: (\d+)", ("0",))[0])
    connect, read, write, timeout = (int(x) for x in socket)
    detail = []
    if non2xx:
        detail.append(f"{non2xx} non-2xx/3xx")
    for name, n in (("connect", connect), ("read", read), ("write", write), ("timeout", timeout)):
        if n:
            detail.append(f"{n} {name} errors")
    return {
        "requests": int(requests),
        "seconds": _ms(seconds) / 1000.0,
        "rps": float(find(r"^Requests/sec:\s+([\d.]+)")[0]),
        "p50_ms": _ms(find(r"^\s+50%\s+(\S+)")[0]),
        "p99_ms": _ms(find(r"^\s+99%\s+(\S+)")[0]),
        "errors": non2xx + connect + read + write + timeout,
        "error_detail": ", ".join(detail),
    }


def parse_h2load(out, log_lines):
    """Parses h2load's summary plus its --log-file (start µs, status, duration µs per request)."""
    def find(pattern):
        m = re.search(pattern, out, re.M)
        if m is None:
            raise ValueError(f"h2load output lacks /{pattern}/:\n{out}")
        return m.groups()
    seconds, rps = find(r"^finished in ([\d.]+)s, ([\d.]+) req/s")
    done, ok, failed, errored, timeout = (int(x) for x in find(
        r"^requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout"))
    s2, s3, s4, s5 = (int(x) for x in find(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx"))
    protocol = re.search(r"^Application protocol: (\S+)", out, re.M)
    tls = re.search(r"^TLS Protocol: (\S+)", out, re.M)
    cipher = re.search(r"^Cipher: (\S+)", out, re.M)
    durations = []
    for line in log_lines:
        parts = line.split()
        if len(parts) >= 3:
            durations.append(int(parts[2]) / 1000.0)
    durations.sort()
    non2xx = s3 + s4 + s5
    # failed counts non-2xx answers too; errored/timeout are stream and socket failures.
    errors = max(failed, non2xx) + errored + timeout
    if done != ok + failed:
        errors += abs(done - ok - failed)
    detail = []
    if non2xx:
        detail.append(f"{non2xx} non-2xx")
    if failed > non2xx:
        detail.append(f"{failed - non2xx} failed")
    if errored:
        detail.append(f"{errored} errored")
    if timeout:
        detail.append(f"{timeout} timeouts")
    if protocol is None or protocol.group(1) != "h2":
        errors += 1
        detail.append(f"negotiated {protocol.group(1) if protocol else 'nothing'} instead of h2")
    return {
        "requests": ok,
        "seconds": float(seconds),
        "rps": float(rps),
        "p50_ms": _percentile(durations, 50),
        "p99_ms": _percentile(durations, 99),
        "errors": errors,
        "error_detail": ", ".join(detail),
        "tls": f"{tls.group(1) if tls else '?'} {cipher.group(1) if cipher else '?'}",
    }


def _percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    # Nearest rank, as wrk and most tools report it.
    i = max(0, math.ceil(p / 100.0 * len(sorted_values)) - 1)
    return sorted_values[i]


def _run(cmd, seconds):
    """Runs a load generator; one that outlives its duration by a minute has hung: an error."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{cmd[3]} still running 60 s after its {seconds} s run; killed it") from None


def wrk_paths_script(paths):
    """A wrk Lua script asking for each path in turn (the same request text, prebuilt)."""
    quoted = ", ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    return ("local paths = {" + quoted + "}\n"
            "local requests = {}\n"
            "local i = 0\n"
            "init = function(args)\n"
            "  for k, p in ipairs(paths) do requests[k] = wrk.format(nil, p) end\n"
            "end\n"
            "request = function()\n"
            "  i = i % #requests + 1\n"
            "  return requests[i]\n"
            "end\n")


def wrk(url, seconds, connections, core, paths=None):
    """wrk against url; with paths, a Lua script cycles over them (url's path is then unused)."""
    script = None
    if paths:
        script = tempfile.NamedTemporaryFile("w", prefix="wrk-paths-", suffix=".lua", delete=False)
        script.write(wrk_paths_script(paths))
        script.close()
    cmd = ["taskset", "-c", str(core), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
           "--latency", "--timeout", "10s"] + (["-s", script.name] if script else []) + [url]
    try:
        r = _run(cmd, seconds)
    finally:
        if script:
            os.unlink(script.name)
    if r.returncode != 0:
        raise RuntimeError(f"wrk failed ({r.returncode}): {r.stderr.strip() or r.stdout.strip()}")
    result = parse_wrk(r.stdout)
    result["command"] = " ".join(cmd)
    result["output"] = r.stdout
    return result


def h2load(url, seconds, connections, streams, core):
    with tempfile.NamedTemporaryFile("r", prefix="h2load-", suffix=".log") as log:
        cmd = ["taskset", "-c", str(core), "h2load", "-t1", f"-c{connections}", f"-m{streams}",
               f"-D{seconds}", f"--log-file={log.name}", url]
        r = _run(cmd, seconds)
        if r.returncode != 0 and "finished in" not in r.stdout:
            raise RuntimeError(f"h2load failed ({r.returncode}): {r.stderr.strip() or r.stdout.strip()}")
        result = parse_h2load(r.stdout, log.readlines())
    cmd = [c if not c.startswith("--log-file=") else "--log-file=FILE" for c in cmd]
    result["command"] = " ".join(cmd)
    result["output"] = r.stdout
    return result


def parse_ws_answer(line):
    """One answer of the WebSocket driver (bench/WsLoad.java driver): `OK k=v ...` -> dict.

    Numbers become int or float; `ERR ...` raises RuntimeError with the driver's reason."""
    line = line.strip()
    if not line.startswith("OK"):
        raise RuntimeError(f"WebSocket driver: {line or 'no answer (driver exited?)'}")
    out = {}
    for word in line.split()[1:]:
        key, _, value = word.partition("=")
        for kind in (int, float):
            try:
                out[key] = kind(value)
                break
            except ValueError:
                continue
        else:
            value = value.replace("_", " ")
            out[key] = value if len(value) <= 200 else value[:200] + "..."
    return out


class WsDriver:
    """The ws-* scenarios' client and echo upstream: one JVM (bench/WsLoad.java driver) pinned to
    the client's core, driven by one command a line (see the Java class). `port` is the echo
    upstream's; every call waits for the driver's answer."""

    def __init__(self, home, core, run_dir):
        import procs
        os.makedirs(run_dir, exist_ok=True)
        java = subprocess.run(["bash", "-c", '. "$1/bin/find-java.sh" && nproxy_find_java && echo "$NPROXY_JAVA"',
                               "_", home], capture_output=True, text=True).stdout.strip()
        if not java:
            raise RuntimeError("no JDK for the WebSocket driver (bin/find-java.sh found none)")
        self.err = open(os.path.join(run_dir, "ws-driver.log"), "ab")
        self.command = ["taskset", "-c", str(core), java, "-Xmx1g", "-Xss256k", "-cp", os.path.join(home, "lib", "*"),
                        os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "WsLoad.java"),
                        "driver"]
        self.proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                     text=True, start_new_session=True)
        self.pid = self.proc.pid
        procs.own("WebSocket driver", self.pid, self.stop)
        first = self.proc.stdout.readline()
        if not first.startswith("PORT "):
            raise RuntimeError(f"WebSocket driver did not start: {first.strip() or 'no output'} "
                               f"(see {self.err.name})")
        self.port = int(first.split()[1])

    def call(self, *words):
        self.proc.stdin.write(" ".join(str(w) for w in words) + "\n")
        self.proc.stdin.flush()
        return parse_ws_answer(self.proc.stdout.readline())

    def open(self, pool, url, n, size):
        return self.call("open", pool, url, n, size)

    def echo(self, pool, url, connections, seconds, size):
        """One timed echo run: a result dict like wrk's (requests = messages echoed)."""
        a = self.call("echo", pool, url, connections, seconds, size)
        return {"requests": a["messages"], "seconds": a["seconds"], "rps": a["rate"],
                "p50_ms": a["p50_ms"], "p99_ms": a["p99_ms"], "errors": a["errors"],
                "error_detail": (f"{a['errors']} failed echoes: {a['detail']}" if a["errors"] else ""),
                "command": f"WsLoad driver: echo {url} {connections} tunnels, {seconds} s, {size} B messages"}

    def check(self, pool):
        return self.call("check", pool)

    def close(self, pool):
        return self.call("close", pool)

    def stop(self):
        import procs
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=15)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            procs.kill_pid(self.pid)
        self.err.close()
        procs.disown(self.pid)


# HTTP/3: no Debian client speaks QUIC, so the load generator is bench/H3Load.java on Jetty's own
# HTTP/3 client (and, for the h2 numbers beside it, Jetty's HTTP/2 client: same code, same body).
# Those client jars are not in lib/ (the server does not need them); the build's tests bring them
# into the local Maven repository, at the Jetty version of lib/.
H3_CLIENT_JARS = ["http3/jetty-http3-client", "http3/jetty-http3-client-transport", "quic/jetty-quic-client",
                  "http2/jetty-http2-client", "http2/jetty-http2-client-transport", "jetty-alpn-java-client"]


def h3load_command(home):
    """java + class path + bench/H3Load.java, or RuntimeError naming what is missing."""
    java = subprocess.run(["bash", "-c", '. "$1/bin/find-java.sh" && nproxy_find_java && echo "$NPROXY_JAVA"',
                           "find-java", home], capture_output=True, text=True).stdout.strip()
    if not java:
        raise RuntimeError("h3load: no Java >= 21 found (bin/find-java.sh)")
    lib = os.path.join(home, "lib")
    versions = [f[len("jetty-server-"):-len(".jar")] for f in os.listdir(lib)
                if f.startswith("jetty-server-") and f.endswith(".jar")]
    if not versions:
        raise RuntimeError(f"h3load: no jetty-server jar in {lib}: build first (./build.sh)")
    repo = os.environ.get("MAVEN_REPO", os.path.expanduser("~/.m2/repository"))
    jars = []
    for path in H3_CLIENT_JARS:
        name = path.rsplit("/", 1)[-1]
        jar = os.path.join(repo, "org/eclipse/jetty", path, versions[0], f"{name}-{versions[0]}.jar")
        if not os.path.isfile(jar):
            raise RuntimeError(f"h3load: {jar} missing: run ./build.sh once (the server tests download it)")
        jars.append(jar)
    cp = os.pathsep.join([os.path.join(lib, "*")] + jars)
    return [java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx512m", "-cp", cp,
            os.path.join(home, "bench", "H3Load.java")]


def parse_h3load(out):
    """Parses H3Load's `RESULT load ...` line (key=value pairs)."""
    line = next((l for l in out.splitlines() if l.startswith("RESULT load ")), None)
    if line is None:
        raise ValueError(f"H3Load printed no RESULT line:\n{out[-2000:]}")
    kv = dict(item.split("=", 1) for item in line.split()[2:])
    errors = int(kv["errors"])
    return {
        # all requests the server answered (warm-up included): what its CPU and access log count
        "requests": int(kv["all_requests"]),
        "seconds": float(kv["seconds"]),
        "rps": float(kv["req_s"]),
        "p50_ms": float(kv["p50_ms"]),
        "p99_ms": float(kv["p99_ms"]),
        "errors": errors,
        "error_detail": f"{errors} failed requests" if errors else "",
        "protocol": kv["proto"],
    }


def h3load(home, url, seconds, connections, streams, core, proto):
    """H3Load: CONNS connections (one client each) with STREAMS requests in flight on each."""
    cmd = ["taskset", "-c", str(core)] + h3load_command(home) + [
        "load", proto, url, str(connections), str(streams), str(seconds)]
    r = _run(cmd, seconds + 30)
    if r.returncode != 0:
        raise RuntimeError(f"H3Load failed ({r.returncode}): {(r.stderr.strip() or r.stdout.strip())[-1500:]}")
    result = parse_h3load(r.stdout)
    result["command"] = (f"taskset -c {core} java -cp 'lib/*:<Jetty HTTP/3 and HTTP/2 client jars>' bench/H3Load.java "
                         f"load {proto} {url} {connections} {streams} {seconds}")
    result["output"] = r.stdout
    return result
