"""Starting, measuring and stopping the processes a benchmark run owns, always by PID.

Every process the harness starts is registered in `OWNED`; `stop_all()` (called on normal
exit, on Ctrl-C and on SIGTERM) stops them in reverse order and never touches anything else.
"""
import os
import signal
import socket
import subprocess
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024

# (description, pid, stop function) of everything started, oldest first.
OWNED = []


def free_port():
    """A TCP port on 127.0.0.1 the OS says is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30.0, pid=None):
    """Waits until 127.0.0.1:port accepts; fails early if pid died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pid is not None and not alive(pid):
            raise RuntimeError(f"pid {pid} exited before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return _stat_fields(f.read())[0] != "Z"
    except OSError:
        return False


def _stat_fields(text):
    # The command name may hold spaces and parentheses: split after the last ')'.
    return text[text.rindex(")") + 2:].split()


def _read_stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return _stat_fields(f.read())
    except (OSError, ValueError):
        return None


def children(pid):
    """Live direct children of pid (e.g. nginx workers)."""
    kids = []
    for task in os.listdir(f"/proc/{pid}/task") if os.path.isdir(f"/proc/{pid}/task") else []:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids.extend(int(x) for x in f.read().split())
        except OSError:
            pass
    return kids


def cpu_ticks(pid):
    """CPU clock ticks used by pid and everything under it.

    utime+stime of a process covers all its threads (the JVM's GC and JIT threads too);
    cutime+cstime adds children it has reaped (nginx workers retired by a reload); live
    children (nginx workers) are added on top.
    """
    f = _read_stat(pid)
    if f is None:
        return 0
    # Fields after the name: 0 state, ..., 11 utime, 12 stime, 13 cutime, 14 cstime.
    total = int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
    for kid in children(pid):
        total += cpu_ticks(kid)
    return total


def cpu_us(pid):
    return cpu_ticks(pid) * 1_000_000 // CLK_TCK


def rss_kib(pid):
    """Resident set of pid plus its live children, KiB."""
    total = 0
    try:
        with open(f"/proc/{pid}/statm") as f:
            total = int(f.read().split()[1]) * PAGE_KIB
    except OSError:
        return 0
    for kid in children(pid):
        total += rss_kib(kid)
    return total


def core_times(core):
    """(process ticks, total ticks) of one CPU since boot, from /proc/stat.

    Process ticks are user + nice + system: time charged to some process. irq/softirq
    (where the kernel moves loopback packets, work the benchmark itself causes) is left out.
    """
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith(f"cpu{core} "):
                v = [int(x) for x in line.split()[1:]]
                return v[0] + v[1] + v[2], sum(v[:8])  # guest time is already inside user
    return 0, 0


def cpus_allowed(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Cpus_allowed_list:"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def kill_pid(pid, first=signal.SIGTERM, grace=10.0):
    """Sends `first`, waits up to grace seconds, then SIGKILL. Reaps it if it is our child."""
    if not alive(pid):
        _reap(pid)
        return
    try:
        os.kill(pid, first)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        _reap(pid)
        if not alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    time.sleep(0.1)
    _reap(pid)


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def own(description, pid, stop):
    OWNED.append((description, pid, stop))


def disown(pid):
    OWNED[:] = [o for o in OWNED if o[1] != pid]


def stop_all():
    while OWNED:
        description, pid, stop = OWNED.pop()
        try:
            stop()
        except Exception as e:  # keep stopping the rest
            print(f"bench: stopping {description} (pid {pid}) failed: {e}; killing it")
            kill_pid(pid, signal.SIGKILL, 1)

