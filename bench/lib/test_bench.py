"""Tests of the harness's own logic: output parsers, /proc accounting, config checks.

Run: python3 -B -m unittest discover -s bench/lib   (no packages needed; nginx for the last test)
"""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import configs
import load
import procs
import report
import scenarios

HERE = os.path.dirname(os.path.abspath(__file__))


def fixture(name):
    with open(os.path.join(HERE, "testdata", name)) as f:
        return f.read()


class WrkParsing(unittest.TestCase):
    def test_non_2xx_answers_are_errors(self):
        r = load.parse_wrk(fixture("wrk-404.txt"))
        self.assertEqual(31794, r["requests"])
        self.assertEqual(31794, r["errors"])
        self.assertIn("31794 non-2xx", r["error_detail"])
        self.assertAlmostEqual(28900.88, r["rps"])
        self.assertAlmostEqual(0.134, r["p50_ms"])
        self.assertAlmostEqual(2.39, r["p99_ms"])

    def test_socket_errors_are_errors(self):
        r = load.parse_wrk(fixture("wrk-reload.txt"))
        self.assertEqual(350, r["errors"])
        self.assertEqual("350 read errors", r["error_detail"])
        self.assertAlmostEqual(0.77, r["p50_ms"])
        self.assertAlmostEqual(156.71, r["p99_ms"])

    def test_clean_run_has_no_errors(self):
        out = fixture("wrk-reload.txt").replace("  Socket errors: connect 0, read 350, write 0, timeout 0\n", "")
        self.assertEqual(0, load.parse_wrk(out)["errors"])

    def test_truncated_output_is_refused(self):
        with self.assertRaises(ValueError):
            load.parse_wrk("Running 1s test @ http://127.0.0.1:1/\n")


class H2loadParsing(unittest.TestCase):
    def test_4xx_streams_are_errors_and_latency_comes_from_the_log(self):
        log = [f"1795633673854297\t404\t{us}\n" for us in range(1000, 101000, 1000)]  # 1..100 ms
        r = load.parse_h2load(fixture("h2load-404.txt"), log)
        self.assertEqual(0, r["requests"])
        self.assertEqual(9941, r["errors"])
        self.assertAlmostEqual(9941.0, r["rps"])
        self.assertAlmostEqual(50.0, r["p50_ms"])
        self.assertAlmostEqual(99.0, r["p99_ms"])
        self.assertEqual("TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256", r["tls"])

    def test_a_run_without_h2_is_an_error(self):
        out = fixture("h2load-404.txt").replace("Application protocol: h2", "Application protocol: http/1.1") \
            .replace("0 succeeded, 9941 failed", "9941 succeeded, 0 failed").replace("0 2xx, 0 3xx, 9941 4xx", "9941 2xx, 0 3xx, 0 4xx")
        r = load.parse_h2load(out, [])
        self.assertEqual(1, r["errors"])
        self.assertIn("instead of h2", r["error_detail"])


class H3loadParsing(unittest.TestCase):
    def test_result_line_counts_warm_up_requests_for_the_server(self):
        out = ("2026-12-02 WARN something\nRESULT load proto=h3 conns=10 streams=10 seconds=5.0 requests=500 "
               "errors=2 req_s=100.0 p50_ms=12.500 p99_ms=80.000 MB_s=0.1 all_requests=812\n")
        r = load.parse_h3load(out)
        self.assertEqual((812, 100.0, 12.5, 80.0, 2, "h3"),
                         (r["requests"], r["rps"], r["p50_ms"], r["p99_ms"], r["errors"], r["protocol"]))
        self.assertIn("2 failed", r["error_detail"])

    def test_no_result_line_is_refused(self):
        with self.assertRaises(ValueError):
            load.parse_h3load("Exception in thread main")

    def test_h3_scenarios_compare_h3_with_h2_of_the_same_nproxy(self):
        tls = {"cert": "/c.pem", "key": "/k.pem"}
        for name in ("h3-seq-1k", "h3-1k", "h3-proxy-1k"):
            sc = scenarios.BY_NAME[name]
            self.assertEqual(("nproxy", "nproxy-h2"), sc.sides)
            conf = sc.nproxy_config(8, {"docroot": "/d", "origin_port": 9, "tls": tls, "access_log": True})
            self.assertIn('protocols="h3 h2 http/1.1"', conf, name)
        ratio = {"rps": 0.2, "cpu_us_per_req": 5.0, "rps_peer": "nproxy h2", "cpu_peer": "nproxy h2"}
        self.assertEqual("Nproxy h3/h2", report.ratio_row("h3-1k", ratio)[1])


class ProcAccounting(unittest.TestCase):
    def test_cpu_of_live_and_reaped_children_is_counted(self):
        # A parent that burns CPU in a child which then exits: cutime must carry it.
        code = ("import os,sys,time\npid=os.fork()\nif pid==0:\n while time.process_time()<0.3: pass\n os._exit(0)\n"
                "os.waitpid(pid,0)\nprint('reaped',flush=True)\ntime.sleep(30)")
        p = subprocess.Popen(["python3", "-c", code], stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual("reaped", p.stdout.readline().strip())
            self.assertGreaterEqual(procs.cpu_us(p.pid), 200_000)
            self.assertGreater(procs.rss_kib(p.pid), 1000)
        finally:
            procs.kill_pid(p.pid)
            p.wait()
            p.stdout.close()
        self.assertFalse(procs.alive(p.pid))


class Report(unittest.TestCase):
    def test_ratio_row_only_when_both_sides_ran(self):
        ok = {"proxy": "nproxy", "result": "ok", "rps": 500.0, "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0,
              "cpu_us_per_req": 40.0, "rss_mib": 100.0}
        other = dict(ok, proxy="nginx", rps=1000.0, cpu_us_per_req=20.0)
        text = report.text_table([{"name": "x", "nproxy": ok, "nginx": other,
                                   "ratio": {"rps": 0.5, "cpu_us_per_req": 2.0}},
                                  {"name": "y", "nproxy": {"proxy": "nproxy", "result": "SKIPPED: no module"},
                                   "nginx": other, "ratio": None}])
        self.assertIn("0.50x", text)
        self.assertIn("2.00x", text)
        self.assertEqual(1, text.count("Nproxy/nginx"))
        self.assertIn("SKIPPED: no module", text)

    def test_markdown_escapes_quoted_elements(self):
        skipped = {"proxy": "nproxy", "result": "SKIPPED: unknown handler <static> | x"}
        md = report.markdown_table([{"name": "s", "nproxy": skipped, "nginx": dict(skipped, proxy="nginx"),
                                     "ratio": None}])
        self.assertIn("unknown handler &lt;static&gt; \\| x", md)
        self.assertNotIn("<static>", md)


class CacheScenarios(unittest.TestCase):
    def test_ratio_is_against_the_faster_and_the_cheaper_peer(self):
        import bench
        n = {"proxy": "nproxy", "result": "ok", "rps": 20000.0, "cpu_us_per_req": 50.0}
        g = {"proxy": "nginx", "result": "ok", "rps": 25000.0, "cpu_us_per_req": 60.0}
        v = {"proxy": "varnish", "result": "ok", "rps": 16900.0, "cpu_us_per_req": 40.0}
        r = bench.ratio(n, g, v)
        self.assertAlmostEqual(0.8, r["rps"])
        self.assertAlmostEqual(1.25, r["cpu_us_per_req"])
        self.assertEqual(("nginx", "varnish"), (r["rps_peer"], r["cpu_peer"]))
        rows = report.rows([{"name": "cache-hit-1k", "sides": ["nproxy", "nginx", "varnish"],
                             "nproxy": n, "nginx": g, "varnish": v, "ratio": r}])
        self.assertEqual(["nproxy", "nginx", "varnish"], [row[1] for row in rows[:3]])
        self.assertIn("best", rows[3][1])
        # a failed peer is left out of the comparison
        self.assertEqual("nginx", bench.ratio(n, g, dict(v, result="FAILED: x"))["cpu_peer"])

    def test_many_keys_cycle_through_a_wrk_script(self):
        sc = scenarios.BY_NAME["cache-hit-disk-1k"]
        self.assertEqual(64, len(sc.paths()))
        self.assertEqual("/1k.bin?k=0", sc.paths()[0])
        script = load.wrk_paths_script(sc.paths())
        self.assertIn('"/1k.bin?k=63"', script)
        self.assertIn("wrk.format(nil, p)", script)
        self.assertEqual(["/1k.bin"], scenarios.BY_NAME["cache-hit-1k"].paths())
        self.assertIn('heap="1m" disk="64m"', sc.nproxy_config(8, {"origin_port": 9, "access_log": True}))


@unittest.skipUnless(shutil.which("nginx"), "nginx not installed")
class NginxConfigs(unittest.TestCase):
    def test_every_nginx_config_passes_nginx_t(self):
        tmp = tempfile.mkdtemp(prefix="bench-test-")
        try:
            tls = {"cert": os.path.join(tmp, "c.pem"), "key": os.path.join(tmp, "k.pem")}
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                            "-nodes", "-keyout", tls["key"], "-out", tls["cert"], "-days", "1", "-subj", "/CN=x"],
                           check=True, capture_output=True)
            for access_log in (True, False):
                env = {"docroot": tmp, "origin_port": 9, "tls": tls, "access_log": access_log}
                for sc in scenarios.ALL:
                    conf = os.path.join(tmp, sc.name + ".conf")
                    text = sc.nginx_config(tmp, 8, env, 1 if sc.reload else None)
                    self.assertEqual(access_log, "buffer=64k flush=1s" in text, sc.name)
                    with open(conf, "w") as f:
                        f.write(text)
                    r = subprocess.run(["nginx", "-t", "-p", tmp, "-c", conf, "-e", os.path.join(tmp, "e.log")],
                                       capture_output=True, text=True)
                    self.assertEqual(0, r.returncode, f"{sc.name}: {r.stderr}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_nproxy_logs_by_default_and_not_with_no_access_log(self):
        for sc in scenarios.ALL:
            on = sc.nproxy_config(8, {"docroot": "/d", "origin_port": 9, "tls": None, "access_log": True})
            off = sc.nproxy_config(8, {"docroot": "/d", "origin_port": 9, "tls": None, "access_log": False})
            self.assertNotIn("<access-log", on, sc.name)  # Nproxy's default log
            self.assertIn('<access-log off="true"/>', off, sc.name)

    def test_return_body_is_1k_and_safe_for_both_configs(self):
        self.assertEqual(1024, len(scenarios.RETURN_BODY))
        for c in "$\"'{};<>&":
            self.assertNotIn(c, scenarios.RETURN_BODY)
        self.assertIn(scenarios.RETURN_BODY, configs.nproxy_return(8, scenarios.RETURN_BODY))


class WebSocketScenarios(unittest.TestCase):
    def test_driver_answers_are_parsed_and_refusals_raise(self):
        a = load.parse_ws_answer("OK messages=120 seconds=3.001 rate=40.0 p50_ms=0.5 p99_ms=2.25 errors=0 detail=\n")
        self.assertEqual((120, 40.0, 0, ""), (a["messages"], a["rate"], a["errors"], a["detail"]))
        b = load.parse_ws_answer("OK opened=9 failed=1 ms=5 pool=9 first_failure=java.io.EOFException:_closed")
        self.assertEqual("java.io.EOFException: closed", b["first_failure"])
        with self.assertRaises(RuntimeError):
            load.parse_ws_answer("ERR java.lang.IllegalStateException: boom")
        with self.assertRaises(RuntimeError):
            load.parse_ws_answer("")  # the driver died

    def test_ws_idle_gives_nginx_room_for_two_connections_per_tunnel_and_its_free_margin(self):
        env = {"origin_port": 9, "tls": None, "access_log": True, "ws_tunnels": 9000}
        text = scenarios.BY_NAME["ws-idle"].nginx_config("/tmp", 8, env)
        n = int(text.split("worker_connections ")[1].split(";")[0])
        self.assertGreaterEqual(n - n // 16, 2 * 9000 + 1)
        self.assertIn(f"worker_rlimit_nofile {n + 64};", text)
        self.assertLessEqual(n + 64, 20000)  # fits the common container hard limit
        self.assertIn("worker_connections 4096;", scenarios.BY_NAME["ws-echo"].nginx_config("/tmp", 8, env))

    def test_websocket_scenarios_tunnel_through_both_proxies(self):
        env = {"origin_port": 9, "tls": {"cert": "/c", "key": "/k"}, "access_log": True}
        for name in ("ws-echo", "ws-idle", "reload-mixed"):
            sc = scenarios.BY_NAME[name]
            self.assertTrue(sc.websocket, name)
            self.assertIn('<proxy upstream="echo"/>', sc.nproxy_config(8, env, 1), name)
            self.assertIn("proxy_set_header Upgrade $http_upgrade;", sc.nginx_config("/tmp", 8, env, 1), name)
        mixed = scenarios.BY_NAME["reload-mixed"]
        self.assertIn('<header name="X-Generation" value="3"/>', mixed.nproxy_config(8, env, 3))
        self.assertIn("X-Generation 3", mixed.nginx_config("/tmp", 8, env, 3))


if __name__ == "__main__":
    unittest.main()
