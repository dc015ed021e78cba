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
    client: str = "wrk"    # wrk (HTTP/1.1) | h2load (h2 over TLS)
    connections: int = 50
    streams: int = 1       # h2 streams per connection
    tls: bool = False
    reload: bool = False   # reload once a second during a longer run
    tier: str = "memory"   # cache: the Nproxy zone (configs.NPROXY_ZONES)
    keys: int = 1          # cache: the client cycles over this many URLs (path?k=0..keys-1), same body

    @property
    def sides(self):
        """The servers compared: Nproxy first, then its peers."""
        return ("nproxy", "nginx", "varnish") if self.kind == "cache" else ("nproxy", "nginx")

    def paths(self):
        """Every URL path the client asks for (the first is the one checked with curl)."""
        if self.keys == 1:
            return [self.path]
        return [f"{self.path}?k={i}" for i in range(self.keys)]

    def expected_body(self, docroot):
        if self.kind == "return":
            return RETURN_BODY.encode()
        with open(f"{docroot}/{self.path.lstrip('/')}", "rb") as f:
            return f.read()

    # env["access_log"]: both proxies log every request (the default) or neither (--no-access-log).
    def nproxy_config(self, port, env, generation=None):
        log = env.get("access_log", True)
        if self.kind == "return":
            return configs.nproxy_return(port, RETURN_BODY, generation, log)
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
        if self.kind == "return":
            return configs.nginx_return(run_dir, port, RETURN_BODY, generation, log)
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
    Scenario("reload-under-load", "return-1k while the config is rewritten and reloaded every second "
             "(Nproxy: bin/nproxy.sh reload, nginx: nginx -s reload); any error fails it",
             "return", "/", reload=True),
]

BY_NAME = {s.name: s for s in ALL}
