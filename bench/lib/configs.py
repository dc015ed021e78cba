"""Config files the harness writes for each side: nginx (proxy under test and origin) and Nproxy.

Both proxies get the same job, the same listen address (127.0.0.1 only), the access log on
(as a user runs them: nginx buffered with `buffer=64k flush=1s`, Nproxy with its default log)
or off on both sides (`--no-access-log`), and one core each: nginx with one worker, Nproxy
pinned by taskset. The origin nginx never logs: it is not under test.
"""
import re
import subprocess

# Keep-alive connections are never closed by request count during a run: nginx closes a
# client or upstream connection after 1000 requests by default, Jetty never does, and a
# benchmark should not charge either side for reconnects the other does not make.
_KEEPALIVE_REQUESTS = 1000000


def nginx_version():
    """nginx's version as a tuple, e.g. (1, 22, 1)."""
    out = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    m = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(x) for x in m.groups()) if m else (0, 0, 0)


def _nginx_access_log(run_dir, access_log):
    """nginx's access log as a user would configure it: combined, buffered, flushed every second."""
    if not access_log:
        return "access_log off;"
    return f"access_log {run_dir}/access.log combined buffer=64k flush=1s;"


def _nginx_main(run_dir, body, access_log=False, connections=4096):
    # connections: worker_connections (ws-idle holds two per tunnel; nginx starts closing connections
    # when fewer than 1/16 are free, hence the margin there), with as many files.
    nofile = f"worker_rlimit_nofile {connections + 64};\n" if connections > 4096 else ""
    return f"""# written by bench/run.sh
worker_processes 1;
daemon off;
master_process on;
pid {run_dir}/nginx.pid;
error_log {run_dir}/error.log warn;
{nofile}events {{ worker_connections {connections}; }}
http {{
    {_nginx_access_log(run_dir, access_log)}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests {_KEEPALIVE_REQUESTS};
    client_body_temp_path {run_dir}/client_body;
    proxy_temp_path {run_dir}/proxy_temp;
    fastcgi_temp_path {run_dir}/fastcgi_temp;
    uwsgi_temp_path {run_dir}/uwsgi_temp;
    scgi_temp_path {run_dir}/scgi_temp;
{body}
}}
"""


def nginx_listen(port, tls):
    """The listen lines: plain, or TLS with h2 (nginx >= 1.25.1 spells h2 `http2 on`)."""
    if not tls:
        return f"listen 127.0.0.1:{port};"
    if nginx_version() >= (1, 25, 1):
        return f"listen 127.0.0.1:{port} ssl;\n        http2 on;"
    return f"listen 127.0.0.1:{port} ssl http2;"


def nginx_tls(tls):
    if not tls:
        return ""
    return f"ssl_certificate {tls['cert']};\n        ssl_certificate_key {tls['key']};"


def nginx_return(run_dir, port, body, generation=None, access_log=False, tls=None):
    """nginx answering `return 200 "<body>"` (body must be free of $, quotes and braces); over TLS
    with h2 when `tls` is given."""
    header = f"add_header X-Generation {generation} always;" if generation is not None else ""
    return _nginx_main(run_dir, f"""    server {{
        {nginx_listen(port, tls is not None)}
        {nginx_tls(tls)}
        location / {{
            default_type text/plain;
            {header}
            return 200 "{body}";
        }}
    }}""", access_log)


def nginx_static(run_dir, port, root, access_log=False, cache_control=None):
    """nginx serving files from root (used as the static side and as the origin, which never logs).

    cache_control: a Cache-Control value the origin adds (the cache-hit scenarios' origin says
    how long the proxies may keep the files)."""
    header = f'add_header Cache-Control "{cache_control}";' if cache_control else ""
    return _nginx_main(run_dir, f"""    server {{
        {nginx_listen(port, False)}
        root {root};
        location / {{ {header} }}
    }}""", access_log)


def nginx_proxy(run_dir, port, origin_port, tls=None, access_log=False):
    """nginx proxying to the origin with upstream keep-alive over HTTP/1.1."""
    return _nginx_main(run_dir, f"""    upstream origin {{
        server 127.0.0.1:{origin_port};
        keepalive 64;
        keepalive_requests {_KEEPALIVE_REQUESTS};
    }}
    server {{
        {nginx_listen(port, tls is not None)}
        {nginx_tls(tls)}
        location / {{
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}""", access_log)


def nginx_cache(run_dir, port, origin_port, access_log=False):
    """nginx proxy_cache in front of the origin: hits come from its cache files (page cache),
    sent with sendfile; X-Cache-Status tells the harness it was a HIT."""
    return _nginx_main(run_dir, f"""    proxy_cache_path {run_dir}/cache levels=1:2 keys_zone=bench:10m max_size=1g inactive=1h
                     use_temp_path=off;
    upstream origin {{
        server 127.0.0.1:{origin_port};
        keepalive 64;
        keepalive_requests {_KEEPALIVE_REQUESTS};
    }}
    server {{
        {nginx_listen(port, False)}
        location / {{
            proxy_cache bench;
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            add_header X-Cache-Status $upstream_cache_status;
        }}
    }}""", access_log)


def _nproxy(port, location, upstream="", tls=None, access_log=False, top="", extra_locations=""):
    if tls:
        listen = f'<listen host="127.0.0.1" port="{port}" tls="true" protocols="h2 http/1.1"/>\n' \
                 f'    <tls cert="{tls["cert"]}" key="{tls["key"]}"/>'
    else:
        listen = f'<listen host="127.0.0.1" port="{port}"/>'
    # No <access-log> element is Nproxy's default: combined format to logs/access.log (of the base).
    log = "" if access_log else '  <access-log off="true"/>\n'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- written by bench/run.sh -->
<nproxy shutdown-timeout="5s" drain-timeout="10s">
{log}{top}{upstream}  <server default="true">
    {listen}{extra_locations}
    <location path="/">
      {location}
    </location>
  </server>
</nproxy>
"""


def nproxy_return(port, body, generation=None, access_log=False, tls=None):
    header = f'<header name="X-Generation" value="{generation}"/>' if generation is not None else ""
    return _nproxy(port, f'<return status="200" body="{body}" content-type="text/plain">{header}</return>',
                   tls=tls, access_log=access_log)


def nproxy_static(port, root, access_log=False):
    return _nproxy(port, f'<static root="{root}"/>', access_log=access_log)


def nproxy_proxy(port, origin_port, tls=None, access_log=False, metrics=False, tracing=None):
    """The proxy config; `metrics` adds a `<metrics/>` location (meters then count into Prometheus's
    registry), `tracing` an OTLP endpoint for `<tracing sample="1">` (every request recorded)."""
    upstream = f'  <upstream name="origin"><peer address="127.0.0.1:{origin_port}"/></upstream>\n'
    if tracing:
        upstream = f'  <tracing endpoint="{tracing}" sample="1"/>\n' + upstream
    extra = '\n    <location path="= /metrics"><metrics/></location>' if metrics else ""
    return _nproxy(port, '<proxy upstream="origin"/>', upstream, tls, access_log, extra_locations=extra)


# The zone of the cache-hit scenarios. "memory": hits from the heap tier (bodies over 32 KiB are
# files of the zone: the store's inline limit). "disk": the smallest heap the zone accepts (1m)
# over a disk tier, no off-heap, 64 URLs. With a disk tier the inline limit is 2 KiB (larger
# bodies are files, whose memory tier is the page cache, as nginx's), so the heap tier holds 170
# entries: every entry of the 64 URLs stays in it, as nginx keeps its keys in its keys_zone.
NPROXY_ZONES = {
    "memory": 'heap="64m"',
    "disk": 'heap="1m" disk="64m"',
}


def nproxy_cache(port, origin_port, tier, access_log=False):
    zone = f'  <cache-zone name="bench" {NPROXY_ZONES[tier]} max-object="16m"/>\n'
    upstream = f'  <upstream name="origin"><peer address="127.0.0.1:{origin_port}"/></upstream>\n'
    return _nproxy(port, '<cache zone="bench"/>\n      <proxy upstream="origin"/>', upstream,
                   access_log=access_log, top=zone)


# WebSocket scenarios (ws-echo, ws-idle, reload-mixed): the echo upstream is the WebSocket driver
# (bench/WsLoad.java driver) on the client's core; both proxies tunnel upgrades to it, as a user
# configures them: nginx with the documented Upgrade/Connection map, Nproxy with a plain <proxy>
# (which carries WebSocket upgrades with the default tunnel settings).

def _nginx_ws_location(path):
    return f"""        location {path} {{
            proxy_pass http://echo;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}"""


def _nginx_ws_upstream(echo_port):
    return f"""    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream echo {{ server 127.0.0.1:{echo_port}; }}"""


def nginx_ws(run_dir, port, echo_port, access_log=False, connections=4096):
    """nginx tunnelling WebSocket upgrades to the echo upstream."""
    return _nginx_main(run_dir, f"""{_nginx_ws_upstream(echo_port)}
    server {{
        {nginx_listen(port, False)}
{_nginx_ws_location("/")}
    }}""", access_log, connections)


def nginx_return_ws(run_dir, port, body, echo_port, tls, generation=None, access_log=False):
    """reload-mixed: `return 200` over h2/TLS on / (with X-Generation), WebSocket tunnels on /ws."""
    header = f"add_header X-Generation {generation} always;" if generation is not None else ""
    return _nginx_main(run_dir, f"""{_nginx_ws_upstream(echo_port)}
    server {{
        {nginx_listen(port, True)}
        {nginx_tls(tls)}
        location / {{
            default_type text/plain;
            {header}
            return 200 "{body}";
        }}
{_nginx_ws_location("/ws")}
    }}""", access_log)


def _nproxy_ws_upstream(echo_port):
    return f'  <upstream name="echo"><peer address="127.0.0.1:{echo_port}"/></upstream>\n'


def nproxy_ws(port, echo_port, access_log=False):
    """Nproxy tunnelling WebSocket upgrades to the echo upstream (<proxy> alone: the default tunnel)."""
    return _nproxy(port, '<proxy upstream="echo"/>', _nproxy_ws_upstream(echo_port), access_log=access_log)


def nproxy_return_ws(port, body, echo_port, tls, generation=None, access_log=False):
    """reload-mixed: <return> over h2/TLS on / (with X-Generation), WebSocket tunnels on /ws."""
    header = f'<header name="X-Generation" value="{generation}"/>' if generation is not None else ""
    ws = '\n    <location path="/ws">\n      <proxy upstream="echo"/>\n    </location>'
    return _nproxy(port, f'<return status="200" body="{body}" content-type="text/plain">{header}</return>',
                   _nproxy_ws_upstream(echo_port), tls, access_log, extra_locations=ws)


def nproxy_h3(port, tls, body=None, origin_port=None, access_log=False):
    """The HTTP/3 scenarios: one TLS listener speaking h3 (UDP) and h2 (TCP) on the same port,
    answering `body` from config, or proxying to the origin."""
    if origin_port is not None:
        upstream = f'  <upstream name="origin"><peer address="127.0.0.1:{origin_port}"/></upstream>\n'
        text = _nproxy(port, '<proxy upstream="origin"/>', upstream, tls, access_log)
    else:
        text = _nproxy(port, f'<return status="200" body="{body}" content-type="text/plain"/>', tls=tls,
                       access_log=access_log)
    return text.replace('protocols="h2 http/1.1"', 'protocols="h3 h2 http/1.1"')


# --- start and idle-rss (bench/lib/startup.py): the bundled site, each side as shipped ---

def nginx_bundled(run_dir, port, tls_port, html, tls):
    """nginx doing what Nproxy's bundled etc/nproxy.xml does: /ping, the welcome page, TLS with h2,
    the access log on (buffered), one worker."""
    return _nginx_main(run_dir, f"""    server {{
        {nginx_listen(port, False)}
        {nginx_listen(tls_port, True)}
        {nginx_tls(tls)}
        location = /ping {{ return 200 "pong"; }}
        location / {{ root {html}; index index.html; }}
    }}""", True)
