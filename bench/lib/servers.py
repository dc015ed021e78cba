"""The two proxies under test (and the origin) as objects the harness starts, reloads and stops.

Each one has `pid` (the process whose /proc/PID/stat is measured, all threads and children
included), `reload()`, `stop()`, and is registered in procs.OWNED while it runs.
"""
import os
import re
import signal
import subprocess
import time

import procs


def _first_cause(text):
    """The line that says why, out of `nproxy.sh start`'s report (often a Java stack trace)."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for l in lines:
        if "Exception" in l or "Error" in l or "[error]" in l:
            return l
    return lines[-1] if lines else "no output"


class Nginx:
    """An nginx master + one worker, pinned with taskset, running a config we wrote."""

    name = "nginx"

    def __init__(self, run_dir, conf_text, port, core, label="nginx"):
        self.run_dir = run_dir
        self.port = port
        self.label = label
        os.makedirs(run_dir, exist_ok=True)
        self.conf = os.path.join(run_dir, "nginx.conf")
        self.write(conf_text)
        test = subprocess.run(self._cmd() + ["-t", "-q"], capture_output=True, text=True)
        if test.returncode != 0:
            raise RuntimeError(f"{label}: nginx -t refused {self.conf}: {test.stderr.strip()}")
        self.log = open(os.path.join(run_dir, "stdout.log"), "ab")
        self.proc = subprocess.Popen(["taskset", "-c", str(core)] + self._cmd(),
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        # taskset execs nginx, so the Popen pid is the nginx master.
        self.pid = self.proc.pid
        procs.own(label, self.pid, self.stop)
        procs.wait_port(port, 30, self.pid)

    def _cmd(self):
        return ["nginx", "-p", self.run_dir, "-c", self.conf, "-e", os.path.join(self.run_dir, "error.log")]

    def write(self, conf_text):
        with open(self.conf, "w") as f:
            f.write(conf_text)

    def reload(self):
        """`nginx -s reload`; True if nginx accepted the signal (errors land in error.log)."""
        r = subprocess.run(self._cmd() + ["-s", "reload"], capture_output=True, text=True)
        return r.returncode == 0

    def stop(self):
        # SIGQUIT = graceful shutdown; the master stops its workers.
        procs.kill_pid(self.pid, signal.SIGQUIT, 10)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()
        procs.disown(self.pid)


class Nproxy:
    """Nproxy from the built distribution, started with `bin/nproxy.sh start`, pinned by taskset."""

    name = "nproxy"

    def __init__(self, home, base, conf_text, port, core):
        self.home = home
        self.base = base
        self.port = port
        self.pid = None
        os.makedirs(base, exist_ok=True)
        self.conf = os.path.join(base, "nproxy.xml")
        self.write(conf_text)
        env = self._env()
        # setsid in nproxy.sh puts Java in its own session; the affinity is inherited.
        r = subprocess.run(["taskset", "-c", str(core), self._script(), "start", "--config", self.conf],
                           env=env, capture_output=True, text=True)
        pid_text = self._pid_text()
        if pid_text:
            self.pid = int(pid_text)
            procs.own("nproxy", self.pid, self.stop)
        if r.returncode != 0:
            raise RuntimeError(f"nproxy did not start: {_first_cause(r.stdout + r.stderr)} "
                               f"(see {os.path.join(base, 'logs', 'nproxy.log')})")
        procs.wait_port(port, 30, self.pid)

    @staticmethod
    def check(home, base, conf_text):
        """Runs `bin/nproxy.sh check`; None if the config is accepted, else the first error."""
        os.makedirs(base, exist_ok=True)
        conf = os.path.join(base, "check.xml")
        with open(conf, "w") as f:
            f.write(conf_text)
        env = dict(os.environ, NPROXY_BASE=base)
        r = subprocess.run([os.path.join(home, "bin", "nproxy.sh"), "check", "--config", conf],
                           env=env, capture_output=True, text=True)
        if r.returncode == 0:
            return None
        lines = [l for l in (r.stderr + r.stdout).splitlines() if "[error]" in l] or \
                (r.stderr + r.stdout).strip().splitlines()[-1:] or ["check failed"]
        first = lines[0]
        first = first.split("[error]", 1)[-1].strip()
        first = re.sub(r"^" + re.escape(conf) + r":\d+:\d+:\s*", "", first)
        return first

    def _script(self):
        return os.path.join(self.home, "bin", "nproxy.sh")

    def _env(self):
        env = dict(os.environ, NPROXY_BASE=self.base, NPROXY_STOP_WAIT="20")
        # Each side's base is fresh, so nproxy.sh would make its AOT cache in the background after
        # every start and take CPU during the rounds; the cache only speeds up starting (the
        # `start` scenario turns it on itself).
        env.setdefault("NPROXY_AOT", "off")
        return env

    def _pid_text(self):
        try:
            with open(os.path.join(self.base, "var", "nproxy.pid")) as f:
                return "".join(c for c in f.read() if c.isdigit())
        except OSError:
            return ""

    def write(self, conf_text):
        with open(self.conf, "w") as f:
            f.write(conf_text)

    def reload(self):
        """`bin/nproxy.sh reload`; True only if Nproxy reports the new generation is serving."""
        # The process re-reads the file it was started with (write() rewrote it); `reload` refuses --config.
        r = subprocess.run([self._script(), "reload"], env=self._env(), capture_output=True, text=True)
        return r.returncode == 0

    def stop(self):
        subprocess.run([self._script(), "stop"], env=self._env(), capture_output=True, text=True)
        procs.kill_pid(self.pid, signal.SIGTERM, 10)
        procs.disown(self.pid)


class Varnish:
    """varnishd (manager + cache child) with `-s malloc`, plus varnishncsa writing its access log;
    both pinned with taskset. CPU counts varnishd, its child and varnishncsa (the log's cost)."""

    name = "varnish"

    def __init__(self, run_dir, port, origin_port, core, access_log=True, storage="malloc,256m"):
        self.run_dir = run_dir
        self.port = port
        self.ncsa = None
        os.makedirs(run_dir, exist_ok=True)
        os.chmod(run_dir, 0o755)  # varnishd's child runs as its own user
        self.work = os.path.join(run_dir, "varnish")
        self.log = open(os.path.join(run_dir, "stdout.log"), "ab")
        self.cmd = ["varnishd", "-F", "-a", f"127.0.0.1:{port}", "-b", f"127.0.0.1:{origin_port}",
                    "-s", storage, "-n", self.work]
        self.proc = subprocess.Popen(["taskset", "-c", str(core)] + self.cmd, stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid = self.proc.pid
        procs.own("varnishd", self.pid, self.stop)
        procs.wait_port(port, 60, self.pid)
        if access_log:
            # varnishncsa reads the shared-memory log and writes NCSA combined lines (its default).
            self.access_log = os.path.join(run_dir, "access.log")
            self.ncsa = subprocess.Popen(["taskset", "-c", str(core), "varnishncsa", "-n", self.work,
                                          "-w", self.access_log],
                                         stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
            procs.own("varnishncsa", self.ncsa.pid, self._stop_ncsa)
            deadline = time.monotonic() + 10
            while not os.path.exists(self.access_log) and time.monotonic() < deadline:
                time.sleep(0.05)

    def cpu_us(self):
        return procs.cpu_us(self.pid) + (procs.cpu_us(self.ncsa.pid) if self.ncsa else 0)

    def reload(self):
        return False

    def _stop_ncsa(self):
        if self.ncsa is not None and self.ncsa.poll() is None:
            time.sleep(0.5)  # let it read the last records from the shared log
            procs.kill_pid(self.ncsa.pid, signal.SIGTERM, 5)
            procs.disown(self.ncsa.pid)

    def stop(self):
        self._stop_ncsa()
        procs.kill_pid(self.pid, signal.SIGTERM, 10)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()
        procs.disown(self.pid)
