"""What each scenario serves and how it is loaded.

A scenario names the config each side runs (Nproxy XML, nginx conf), whether it needs the
origin (an nginx serving the files on the client's core), the URL path, the exact body the
client must get, and the load generator.
"""
from dataclasses import dataclass

import configs

RETURN_BODY = ("nproxy-bench-" * 79)[:1024]  # 1 KiB of text with no $, quotes or braces

FILES = {"1k.bin": 1024, "100k.bin": 100 * 1024, "10m.bin": 10 * 1024 * 1024}


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    kind: str              # return | static | proxy | cache
    path: str              # what the client asks for
    client: str = "wrk"    # wrk (HTTP/1.1) | h2load (h2 over TLS) | h3load (bench/H3Load.java: h3, and h2 beside it)
    connections: int = 50
    streams: int = 1       # h2 streams per connection
    tls: bool = False
    reload: bool = False   # reload once a second during a longer run
    tier: str = "memory"   # cache: the Nproxy zone (configs.NPROXY_ZONES)
    keys: int = 1          # cache: the client cycles over this many URLs (path?k=0..keys-1), same body
    ws_tunnels: int = 0    # WebSocket tunnels held open (ws-idle: measured; reload-mixed: must survive)
    ws_active: int = 0     # reload-mixed: tunnels echoing during the round, beside the h2 load
    ws_size: int = 128     # bytes per WebSocket message
    ws_path: str = "/ws"   # where the WebSocket driver connects

    @property
    def websocket(self):
        """Needs the WebSocket driver (bench/WsLoad.java driver) as client and echo upstream."""
        return self.kind == "ws" or self.ws_tunnels > 0 or self.ws_active > 0

    @property
    def sides(self):
        """The servers compared: Nproxy first, then its peers. HTTP/3 (nginx 1.22 has none): the
        same Nproxy process over h3 ("nproxy") and over h2 ("nproxy-h2"), with the same client."""
        if self.client == "h3load":
            return ("nproxy", "nproxy-h2")
        return ("nproxy", "nginx", "varnish") if self.kind == "cache" else ("nproxy", "nginx")

    def paths(self):
        """Every URL path the client asks for (the first is the one checked with curl)."""
        if self.keys == 1:
            return [self.path]
        return [f"{self.path}?k={i}" for i in range(self.keys)]

    def expected_body(self, docroot):
        if self.kind == "ws":
            return b""  # checked by an echo through the tunnel, not by curl
        if self.kind == "return":
            return RETURN_BODY.encode()
        with open(f"{docroot}/{self.path.lstrip('/')}", "rb") as f:
            return f.read()

    # env["access_log"]: both proxies log every request (the default) or neither (--no-access-log).
    def nproxy_config(self, port, env, generation=None):
        log = env.get("access_log", True)
        if self.kind == "ws":
            return configs.nproxy_ws(port, env["origin_port"], log)
        if self.kind == "return" and self.websocket:
            return configs.nproxy_return_ws(port, RETURN_BODY, env["origin_port"], env["tls"], generation, log)
        if self.client == "h3load":
            upstream = env.get("origin_port") if self.kind == "proxy" else None
            return configs.nproxy_h3(port, env["tls"], RETURN_BODY if self.kind == "return" else None, upstream, log)
        if self.kind == "return":
            return configs.nproxy_return(port, RETURN_BODY, generation, log, env["tls"] if self.tls else None)
        if self.kind == "static":
            return configs.nproxy_static(port, env["docroot"], log)
        if self.kind == "cache":
            return configs.nproxy_cache(port, env["origin_port"], self.tier, log)
        # ab.sh variants (+metrics, +tracing): spans go to the origin nginx, which reads and refuses them (405).
        tracing = f"http://127.0.0.1:{env['origin_port']}" if env.get("tracing") else None
        return configs.nproxy_proxy(port, env["origin_port"], env["tls"] if self.tls else None, log,
                                    env.get("metrics", False), tracing)

    def nginx_config(self, run_dir, port, env, generation=None):
        log = env.get("access_log", True)
        if self.kind == "ws":
            # ws-idle holds two connections per tunnel in nginx's one worker
            return configs.nginx_ws(run_dir, port, env["origin_port"], log,
                                    max(4096, 2 * env.get("ws_tunnels", self.ws_tunnels) * 17 // 16 + 512)
                                    if self.client == "ws-idle" else 4096)
        if self.kind == "return" and self.websocket:
            return configs.nginx_return_ws(run_dir, port, RETURN_BODY, env["origin_port"], env["tls"], generation,
                                           log)
        if self.kind == "return":
            return configs.nginx_return(run_dir, port, RETURN_BODY, generation, log, env["tls"] if self.tls else None)
        if self.kind == "static":
            return configs.nginx_static(run_dir, port, env["docroot"], log)
        if self.kind == "cache":
            return configs.nginx_cache(run_dir, port, env["origin_port"], log)
        return configs.nginx_proxy(run_dir, port, env["origin_port"], env["tls"] if self.tls else None, log)


ALL = [
    Scenario("return-1k", "a 1 KiB body from config (Nproxy `<return>`, nginx `return 200`), "
             "wrk -t1 -c50", "return", "/"),
    Scenario("static-1k", "a 1 KiB file from disk, wrk -t1 -c50", "static", "/1k.bin"),
    Scenario("static-100k", "a 100 KiB file from disk, wrk -t1 -c50", "static", "/100k.bin"),
    Scenario("static-10m", "a 10 MiB file from disk, wrk -t1 -c10", "static", "/10m.bin", connections=10),
    Scenario("proxy-1k", "1 KiB file from an nginx origin on the client's core, upstream keep-alive, "
             "wrk -t1 -c50", "proxy", "/1k.bin"),
    Scenario("proxy-100k", "100 KiB file from an nginx origin on the client's core, upstream keep-alive, "
             "wrk -t1 -c50", "proxy", "/100k.bin"),
    Scenario("h2-return-1k", "h2 over TLS, a 1 KiB body from config (Nproxy `<return>`, nginx `return 200`), "
             "h2load -t1 -c10 -m10", "return", "/", client="h2load", connections=10, streams=10, tls=True),
    Scenario("h2-proxy-1k", "h2 over TLS to the proxy, HTTP/1.1 keep-alive to the origin, "
             "h2load -t1 -c10 -m10", "proxy", "/1k.bin", client="h2load", connections=10, streams=10, tls=True),
    Scenario("cache-hit-1k", "cache hits of a 1 KiB file: Nproxy <cache> (heap tier) vs nginx proxy_cache "
             "vs Varnish -s malloc, origin says max-age, wrk -t1 -c50", "cache", "/1k.bin"),
    Scenario("cache-hit-100k", "cache hits of a 100 KiB file (Nproxy keeps bodies over 32 KiB as files "
             "of the zone), wrk -t1 -c50", "cache", "/100k.bin"),
    Scenario("cache-hit-disk-1k", "cache hits of a 1 KiB body under 64 URLs, Nproxy zone heap=1m over disk=64m "
             "(with a disk tier, entries hold bodies up to 2 KiB and the heap tier 170 entries); nginx and "
             "Varnish get the same URLs, wrk -t1 -c50", "cache", "/1k.bin", tier="disk", keys=64),
    Scenario("cache-hit-disk-100k", "as cache-hit-disk-1k with the 100 KiB body (metadata in the heap tier, "
             "the body a file of the zone, mapped), wrk -t1 -c50", "cache", "/100k.bin", tier="disk", keys=64),
    Scenario("cache-hit-spill-1k", "as cache-hit-disk-1k under 2048 URLs: more entries than Nproxy's heap tier "
             "holds (170), so most look-ups read Ehcache's disk tier (nginx keeps all the keys in its "
             "keys_zone, Varnish in memory), wrk -t1 -c50", "cache", "/1k.bin", tier="disk", keys=2048),
    Scenario("h3-seq-1k", "HTTP/3 sequential latency: one connection, one request at a time, the 1 KiB "
             "`<return>` body; beside it the same Nproxy over h2 (bench/H3Load.java on Jetty's clients)",
             "return", "/", client="h3load", connections=1, streams=1, tls=True),
    Scenario("h3-1k", "HTTP/3 throughput, 1 KiB `<return>` body, H3Load 10 conns x 10 streams; beside it the "
             "same Nproxy over h2 with the same client", "return", "/", client="h3load", connections=10,
             streams=10, tls=True),
    Scenario("h3-proxy-1k", "h3 to the proxy, HTTP/1.1 keep-alive to the origin, H3Load 10 conns x 10 streams; "
             "beside it the same Nproxy over h2", "proxy", "/1k.bin", client="h3load", connections=10, streams=10,
             tls=True),
    Scenario("reload-under-load", "return-1k while the config is rewritten and reloaded every second "
             "(Nproxy: bin/nproxy.sh reload, nginx: nginx -s reload); any error fails it",
             "return", "/", reload=True),
    Scenario("ws-echo", "WebSocket echo through the proxy to an echo upstream on the client's core: 50 tunnels, "
             "each keeps one 128-byte message in flight; messages/s and CPU µs per message (WsLoad driver)",
             "ws", "/ws", client="ws", connections=50),
    Scenario("ws-idle", "idle WebSocket tunnels (--ws-tunnels, default 9000): RSS of the proxy per tunnel, "
             "every tunnel echoes once after the idle period (a dropped one is an error)",
             "ws", "/ws", client="ws-idle", connections=0, ws_tunnels=9000),
    Scenario("reload-mixed", "reload every second while h2 over TLS (h2load -c10 -m10, return 1 KiB) and "
             "WebSocket clients (500 idle tunnels over wss + 10 echoing) stay connected: 0 errors, 0 dropped tunnels",
             "return", "/", client="h2load", connections=10, streams=10, tls=True, reload=True,
             ws_tunnels=500, ws_active=10),
]

# No load: bench/lib/startup.py measures these (Nproxy's bundled config vs the nginx equivalent).
ALL += [
    Scenario("start", "the bundled config (etc/nproxy.xml): `nproxy.sh check` vs `nginx -t`, and start until "
             "/ping answers 200, first without then with the AOT cache (JDK 25+)", "start", "/ping", tls=True),
    Scenario("idle-rss", "the bundled config: RSS --idle seconds after start and one request per listener "
             "(nginx: master + worker)", "idle-rss", "/ping", tls=True),
]

BY_NAME = {s.name: s for s in ALL}
