#!/usr/bin/python3
"""Raw throughput: no rate limit, no latency, no failures. fetchctl on each
transport (JSON parsing and CSV writing included) against wrk at the same
connection count and the same URL, on two servers: a private nginx serving
one static order for /item/<anything>, and orders_server with --rate 0
--failure-rate 0 --latency-ms 0. Prints one table.

    bench/throughput.sh [--seconds S] [--repeat N] [--servers nginx,orders_server]
                        [--conns 10,50] [--wrk-threads T] [--json FILE]
"""
import argparse
import re
import sys
import tempfile

import benchlib as B

MAX_ITEMS = 3_000_000      # bounds a run whatever the calibration says
MIN_ITEMS = 10_000
CALIBRATION_ITEMS = 30_000


def transport_overrides(transport, conns):
    if transport == "curl_threads":
        return {("transport.curl_threads", "threads"): str(conns)}
    return {("transport.poco_async", "max_in_flight"): str(conns)}


def fetchctl_run(build, work, url, transport, conns, items, extra=None):
    output = work / "raw.csv"
    overrides = {
        ("request", "url"): B.toml_string(url),
        ("ids", "from"): "1",
        ("ids", "to"): str(items),
        ("rate", "requests_per_second"): "0",
        ("transport", "plugin"): B.toml_string(transport),
        ("sink", "output"): B.toml_string(output),
        **transport_overrides(transport, conns),
        **(extra or {}),
    }
    config = B.job_file(overrides, work / "raw.toml")
    timeout = 30 + items / 500          # far above any plausible run
    run = B.Measured([build / "bin" / "fetchctl", "-q", "run", "--config", config, "--fresh"],
                     timeout, cwd=work, out_dir=work).check()
    summary = B.fetchctl_summary(run.stdout)
    if summary.get("written") != items:
        raise RuntimeError(f"fetchctl wrote {summary.get('written')} of {items}:\n{run.stdout}")
    with open(output, "rb") as handle:
        rows = sum(1 for _ in handle) - 1
    if rows != items:
        raise RuntimeError(f"{output}: {rows} rows, expected {items}")
    for suffix in ("", ".journal", ".failed.tsv"):
        (work / f"raw.csv{suffix}").unlink(missing_ok=True)
    return run, items


def wrk_run(work, url, conns, seconds, threads):
    threads = max(1, min(threads, conns))
    run = B.Measured(["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s",
                      url], seconds + 30, out_dir=work).check()
    out = run.stdout
    match = re.search(r"(\d+) requests in", out)
    if not match:
        raise RuntimeError(f"wrk output not understood:\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if errors or socket_errors:
        print(f"  note: wrk reported errors: {(errors or socket_errors).group(0)}")
    return run, int(match.group(1))


def measure(label, server, fn):
    cpu_before = server.cpu_seconds()
    run, items = fn()
    server_cpu = server.cpu_seconds() - cpu_before
    return {
        "client": label, "items": items, "wall": run.wall, "items_per_s": items / run.wall,
        "cpu": run.cpu, "cpu_us_per_item": 1e6 * run.cpu / items,
        "server_cpu_us_per_item": 1e6 * server_cpu / items,
        "ctx_per_item": run.ctx_switches / items,
        "maxrss_kb": run.maxrss_kb, "load": run.load,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=7.0,
                        help="target length of each run (2..30)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds (1..10); medians shown")
    parser.add_argument("--servers", default="nginx,orders_server")
    parser.add_argument("--conns", default="10,50",
                        help="connection counts; every client runs at each")
    parser.add_argument("--wrk-threads", type=int, default=1,
                        help="wrk threads (1 leaves the second core to the server)")
    parser.add_argument("--diagnose", action="store_true",
                        help="also run fetchctl with checkpoints every 1M items / 1 h "
                             "(shows what the per-200-item fsyncs cost)")
    parser.add_argument("--json", help="also write every run's numbers to this file")
    args = parser.parse_args()
    if not 2 <= args.seconds <= 30 or not 1 <= args.repeat <= 10:
        parser.error("--seconds must be 2..30 and --repeat 1..10")
    servers = args.servers.split(",")
    if set(servers) - {"nginx", "orders_server"}:
        parser.error("--servers takes nginx and/or orders_server")
    conn_counts = [int(c) for c in args.conns.split(",")]
    if any(not 1 <= c <= 1000 for c in conn_counts):
        parser.error("--conns values must be 1..1000")

    build = B.build_dir()
    B.job_template()          # snapshot config/orders.toml now
    info = B.machine_info(build)
    B.print_machine(info)
    print(f"# raw throughput: ~{args.seconds:g} s per run, wrk -t{args.wrk_threads}, "
          f"connections {conn_counts}; fetchctl: config/orders.toml with rate 0 and "
          f"the transport's connections set, CSV output in {tempfile.gettempdir()}")
    sys.stdout.flush()

    work = B.temp_dir("throughput")
    origin = B.OrdersServer(build, "--rate", "0", "--failure-rate", "0", "--latency-ms", "0",
                            log_dir=work)
    body = B.http_get(origin.base + "/item/1")
    targets = {}
    try:
        if "orders_server" in servers:
            targets["orders_server"] = origin
        if "nginx" in servers:
            targets["nginx"] = B.Nginx(body)

        clients = []
        for conns in conn_counts:
            for transport in ("curl_threads", "poco_async"):
                clients.append((f"fetchctl {transport}", conns, transport, None))
            if args.diagnose:
                for transport in ("curl_threads", "poco_async"):
                    clients.append((f"fetchctl {transport} (checkpoint 1M)", conns, transport,
                                    {("sink", "checkpoint_every"): "1000000",
                                     ("sink", "checkpoint_interval"): "3600.0"}))
            clients.append(("wrk", conns, None, None))

        # Size each fetchctl run for ~args.seconds from a short first run.
        sizes = {}
        results = []
        for round_no in range(args.repeat):
            for name, server in targets.items():
                item_url = server.base + "/item/{id}"
                for label, conns, transport, extra in clients:
                    if transport is None:
                        fn = lambda: wrk_run(work, server.base + "/item/1", conns,
                                             int(round(args.seconds)), args.wrk_threads)
                    else:
                        key = (name, label, conns)
                        if key not in sizes:
                            cal = measure(label, server, lambda: fetchctl_run(
                                build, work, item_url, transport, conns, CALIBRATION_ITEMS,
                                extra))
                            sizes[key] = int(min(MAX_ITEMS, max(
                                MIN_ITEMS, cal["items_per_s"] * args.seconds)))
                        fn = lambda: fetchctl_run(build, work, item_url, transport, conns,
                                                  sizes[key], extra)
                    r = measure(label, server, fn)
                    r.update({"server": name, "conns": conns, "round": round_no + 1})
                    results.append(r)
                    print(f"  round {round_no + 1}: {name}: {label} c={conns}: "
                          f"{r['items_per_s']:.0f}/s ({r['items']} in {r['wall']:.2f} s), "
                          f"load {r['load']}", flush=True)
    finally:
        for server in targets.values():
            server.close()
        origin.close()

    # Medians over rounds, then each row against wrk on the same server/conns.
    groups = {}
    for r in results:
        groups.setdefault((r["server"], r["client"], r["conns"]), []).append(r)
    summary = []
    for (server, client, conns), rs in groups.items():
        summary.append({
            "server": server, "client": client, "conns": conns, "runs": len(rs),
            "items": int(B.median([r["items"] for r in rs])),
            "items_per_s": B.median([r["items_per_s"] for r in rs]),
            "cpu_us_per_item": B.median([r["cpu_us_per_item"] for r in rs]),
            "server_cpu_us_per_item": B.median([r["server_cpu_us_per_item"] for r in rs]),
            "ctx_per_item": B.median([r["ctx_per_item"] for r in rs]),
            "maxrss_kb": B.median([r["maxrss_kb"] for r in rs]),
            "loads": " ".join(r["load"] for r in rs),
        })
    wrk = {(s["server"], s["conns"]): s["items_per_s"] for s in summary if s["client"] == "wrk"}
    rows = []
    for s in summary:
        ratio = s["items_per_s"] / wrk[(s["server"], s["conns"])] \
            if (s["server"], s["conns"]) in wrk else float("nan")
        s["vs_wrk"] = ratio
        rows.append([s["server"], s["client"], s["conns"], s["items"],
                     f"{s['items_per_s']:.0f}", f"{ratio:.2f}", f"{s['cpu_us_per_item']:.0f}",
                     f"{s['server_cpu_us_per_item']:.0f}", f"{s['ctx_per_item']:.2f}",
                     f"{s['maxrss_kb'] / 1024:.1f}",
                     s["loads"]])
    print()
    print(B.table(["server", "client", "conns", "items/run", "items/s", "vs wrk",
                   "client CPU µs/item", "server CPU µs/item", "ctx switches/item",
                   "peak RSS MB", "load"], rows, align=["l", "l"] + ["r"] * 9))
    print()
    for name in targets:
        for conns in conn_counts:
            best = max((s for s in summary if s["server"] == name and s["conns"] == conns
                        and s["client"] in ("fetchctl curl_threads", "fetchctl poco_async")),
                       key=lambda s: s["items_per_s"], default=None)
            if best and (name, conns) in wrk:
                ok = best["vs_wrk"] >= 0.5
                print(f"{'MET ' if ok else 'MISS'} {name}, {conns} connections: best transport "
                      f"{best['client']} {best['items_per_s']:.0f}/s = {best['vs_wrk']:.2f}x "
                      f"wrk's {wrk[(name, conns)]:.0f}/s (target >= 0.5x)")
    if args.json:
        B.write_json(args.json, {"machine": info, "seconds": args.seconds,
                                 "wrk_threads": args.wrk_threads, "runs": results,
                                 "summary": summary})
    return 0


if __name__ == "__main__":
    sys.exit(main())
