"""What N WebSocket tunnels cost one Nproxy (docs/performance.md, "WebSocket"): RSS, live heap,
threads and native memory by category, before and after opening them.

    NPROXY_JAVA_OPTS="-Xmx1g -XX:NativeMemoryTracking=summary" python3 -B bench/lib/ws_footprint.py N [ACTIVE] [OUT]

(NPROXY_JAVA_OPTS replaces bin/nproxy.sh's default -Xmx1g: name the heap too.)

Starts the WebSocket driver (bench/WsLoad.java driver) on core 1 and Nproxy (bin/nproxy.sh, core 0)
tunnelling to it, opens and closes 500 tunnels (warm-up), takes a full GC and an NMT baseline, opens
N idle tunnels (each proven by one echo), optionally runs ACTIVE more tunnels echoing 128-byte
messages for 5 s, then prints RSS per tunnel (from the fresh JVM and from after the warm-up), the
heap used after a full GC, the thread count, and writes OUT/nmt.txt (VM.native_memory summary.diff),
OUT/histo.txt (GC.class_histogram) and OUT/threads.txt. Everything is stopped by PID at the end.
"""
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

import configs
import load
import procs
from servers import Nproxy


def heap_used_kib(jcmd, pid):
    subprocess.run([jcmd, str(pid), "GC.run"], capture_output=True)
    text = subprocess.run([jcmd, str(pid), "GC.heap_info"], capture_output=True, text=True).stdout
    return sum(int(x) for x in re.findall(r"used (\d+)K", text.split("Metaspace")[0]))


def main(argv):
    n = int(argv[0])
    active = int(argv[1]) if len(argv) > 1 else 0
    out = argv[2] if len(argv) > 2 else tempfile.mkdtemp(prefix="ws-footprint-")
    home = os.environ.get("NPROXY_HOME") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.makedirs(out, exist_ok=True)
    jcmd = os.path.join(os.path.dirname(subprocess.run(
        ["bash", "-c", '. "$1/bin/find-java.sh" && nproxy_find_java && echo "$NPROXY_JAVA"', "_", home],
        capture_output=True, text=True).stdout.strip()), "jcmd")
    try:
        driver = load.WsDriver(home, 1, out)
        port = procs.free_port()
        nproxy = Nproxy(home, os.path.join(out, "nproxy"), configs.nproxy_ws(port, driver.port, True), port, 0)
        url = f"ws://127.0.0.1:{port}/ws"
        time.sleep(2)
        fresh = procs.rss_kib(nproxy.pid)
        driver.open("warm", url, 500, 128)
        driver.close("warm")
        time.sleep(2)
        warm = procs.rss_kib(nproxy.pid)
        heap0 = heap_used_kib(jcmd, nproxy.pid)
        subprocess.run([jcmd, str(nproxy.pid), "VM.native_memory", "baseline"], capture_output=True)
        print("open:", driver.open("idle", url, n, 128), flush=True)
        if active:
            print("echo:", driver.echo("active", url, active, 5, 128), flush=True)
        time.sleep(5)
        rss = procs.rss_kib(nproxy.pid)
        threads = len(os.listdir(f"/proc/{nproxy.pid}/task"))
        total = n + active
        heap1 = heap_used_kib(jcmd, nproxy.pid)
        print(f"{total} tunnels: RSS {rss} KiB (fresh {fresh}, after warm-up {warm}): "
              f"{(rss - fresh) / total:.1f} KiB per tunnel from the fresh JVM, {(rss - warm) / total:.1f} from after "
              f"the warm-up; heap used after full GC {heap0} -> {heap1} KiB ({(heap1 - heap0) / total:.1f} KiB per "
              f"tunnel); {threads} threads")
        for name, cmd in (("nmt.txt", ["VM.native_memory", "summary.diff"]), ("histo.txt", ["GC.class_histogram"]),
                          ("threads.txt", ["Thread.print"])):
            with open(os.path.join(out, name), "w") as f:
                f.write(subprocess.run([jcmd, str(nproxy.pid)] + cmd, capture_output=True, text=True).stdout)
        print("check:", driver.check("idle"))
        print(f"wrote {out}/nmt.txt, histo.txt, threads.txt")
    finally:
        procs.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
