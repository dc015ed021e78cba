"""The result table: printed to the terminal, and written as Markdown and JSON."""
import json
import math

COLUMNS = ["scenario", "proxy", "req/s", "p50 ms", "p99 ms", "errors", "CPU µs/req", "RSS MiB", "noise %", "result"]


def _num(v, fmt):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return format(v, fmt)


def side_row(scenario, side):
    return [scenario, side["proxy"], _num(side.get("rps"), ".0f"), _num(side.get("p50_ms"), ".2f"),
            _num(side.get("p99_ms"), ".2f"), _num(side.get("errors"), "d"),
            _num(side.get("cpu_us_per_req"), ".1f"), _num(side.get("rss_mib"), ".0f"),
            _num(side.get("core_others_pct"), ".0f"), side["result"]]


def sides(scenario):
    """The sides of a result record: Nproxy and nginx, or Nproxy and several peers (cache-hit)."""
    return scenario.get("sides", ["nproxy", "nginx"])


def ratio_row(scenario, ratio):
    if not ratio:
        return None
    label = "Nproxy/nginx"
    if ratio.get("rps_peer") == ratio.get("cpu_peer") == "nproxy h2":
        label = "Nproxy h3/h2"  # the HTTP/3 scenarios: one process, two protocols
    elif ratio.get("rps_peer") and (ratio["rps_peer"], ratio["cpu_peer"]) != ("nginx", "nginx"):
        # several peers: req/s against the faster one, CPU against the cheaper one
        label = f"Nproxy/best ({ratio['rps_peer']} req/s, {ratio['cpu_peer']} CPU)"
    extra = ""
    if ratio.get("rss_kib_per_tunnel") is not None:  # ws-idle
        extra = f"RSS per tunnel {ratio['rss_kib_per_tunnel']:.2f}x"
    return ["", label, _num(ratio.get("rps"), ".2f") + "x", "", "", "",
            _num(ratio.get("cpu_us_per_req"), ".2f") + "x", "", "", extra]


def rows(results):
    out = []
    for s in results:
        for n in sides(s):
            out.append(side_row(s["name"], s[n]))
        r = ratio_row(s["name"], s.get("ratio"))
        if r:
            out.append(r)
    return out


def text_table(results):
    table = [COLUMNS] + rows(results)
    widths = [max(len(r[i]) for r in table) for i in range(len(COLUMNS) - 1)]
    lines = []
    for r in table:
        cells = [r[i].rjust(widths[i]) if 2 <= i <= 8 else r[i].ljust(widths[i]) for i in range(len(widths))]
        lines.append("  ".join(cells) + "  " + r[-1])
    return "\n".join(lines)


NOISY_PCT = 20


def noise_warning(results):
    """A sentence when other processes took a real share of the proxy's core, else ''."""
    worst = max((side.get("core_others_pct") or 0.0 for s in results for side in (s[n] for n in sides(s))),
                default=0.0)
    if worst < NOISY_PCT:
        return ""
    return (f"Warning: other processes used up to {worst:.0f}% of the proxy's core during a round; "
            f"these figures are disturbed, rerun on a quiet machine before comparing them.")


def _md_cell(text):
    # Error texts quote XML elements (<static>): escape them or Markdown renders them as HTML.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def markdown_table(results):
    lines = ["| " + " | ".join(COLUMNS) + " |",
             "|" + "|".join(["---", "---"] + ["---:"] * 7 + ["---"]) + "|"]
    for r in rows(results):
        lines.append("| " + " | ".join(_md_cell(c) for c in r) + " |")
    return "\n".join(lines)


def markdown(doc):
    m = doc["machine"]
    s = doc["settings"]
    parts = [
        f"# Nproxy vs nginx, {doc['started']}",
        "",
        f"Command: `{doc['command']}`  ",
        f"Machine: {m['nproc']} CPUs, {m['cpu_model']}, {m['kernel']}; {m['nginx']}; {m['java']}  ",
        f"Load average before/after: {m['loadavg_before']} / {m['loadavg_after']}  ",
        f"Rounds: {s['rounds']} alternating, {s['duration_s']} s each (reload-under-load: "
        f"{s['reload_duration_s']} s); Nproxy warm-up {s['warmup_s']}-{s.get('max_warmup_s', s['warmup_s'])} s "
        f"(until CPU/request stops falling), nginx warm-up {s['nginx_warmup_s']} s; "
        f"proxy under test on core {s['proxy_core']}, client and origin on core {s['client_core']}.",
        "",
        markdown_table(doc["scenarios"]),
        "",
        noise_warning(doc["scenarios"]),
        "",
        "req/s, p50 and p99 are medians over the rounds; errors are summed over all rounds; CPU is "
        "utime+stime of the proxy process (all threads, nginx master and workers) per request; "
        "RSS is measured after the last round; noise % is the largest share of the proxy's core "
        "used by other processes during a round (others' work on this shared machine).",
        "",
    ]
    for sc in doc["scenarios"]:
        parts.append(f"- **{sc['name']}**: {sc['description']}")
    return "\n".join(parts) + "\n"


def write(doc, md_path, json_path):
    with open(md_path, "w") as f:
        f.write(markdown(doc))
    with open(json_path, "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
