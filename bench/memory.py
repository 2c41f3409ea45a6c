#!/usr/bin/python3
"""Peak RSS of fetchctl for a small and a large raw job (no rate limit, no
latency; reorder_window at its default), per transport, and the ratio.
Prints one table.

    bench/memory.sh [--sizes 10000,1000000] [--server nginx|orders_server]
                    [--transports curl_threads,poco_async] [--json FILE]
"""
import argparse
import sys

import benchlib as B

TARGET_MB = 64
TARGET_RATIO = 1.25


def run(build, work, url, transport, items):
    output = work / "mem.csv"
    config = B.job_file({
        ("request", "url"): B.toml_string(url),
        ("ids", "from"): "1",
        ("ids", "to"): str(items),
        ("rate", "requests_per_second"): "0",
        ("transport", "plugin"): B.toml_string(transport),
        ("sink", "output"): B.toml_string(output),
    }, work / "mem.toml")
    measured = B.Measured([build / "bin" / "fetchctl", "-q", "run", "--config", config,
                           "--fresh"], 60 + items / 500, cwd=work, out_dir=work,
                          sample_rss=True).check()
    summary = B.fetchctl_summary(measured.stdout)
    if summary.get("written") != items:
        raise RuntimeError(f"fetchctl wrote {summary.get('written')} of {items}")
    for suffix in ("", ".journal", ".failed.tsv"):
        (work / f"mem.csv{suffix}").unlink(missing_ok=True)
    return measured


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--server", default="nginx", choices=["nginx", "orders_server"])
    parser.add_argument("--transports", default="curl_threads,poco_async")
    parser.add_argument("--json", help="also write the numbers and RSS samples to this file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if any(not 1 <= s <= 5_000_000 for s in sizes):
        parser.error("--sizes values must be 1..5000000")
    transports = args.transports.split(",")
    if set(transports) - {"curl_threads", "poco_async"}:
        parser.error("--transports takes curl_threads and/or poco_async")

    build = B.build_dir()
    B.job_template()          # snapshot config/orders.toml now
    info = B.machine_info(build)
    B.print_machine(info)
    print(f"# peak RSS (GNU time %M) of fetchctl, raw mode against {args.server}; "
          f"config/orders.toml with rate 0 (reorder_window default 4096)")
    sys.stdout.flush()

    work = B.temp_dir("memory")
    origin = B.OrdersServer(build, "--rate", "0", "--failure-rate", "0", "--latency-ms", "0",
                            log_dir=work)
    server = None
    results = []
    try:
        if args.server == "nginx":
            server = B.Nginx(B.http_get(origin.base + "/item/1"))
            url = server.base + "/item/{id}"
        else:
            url = origin.base + "/item/{id}"
        for transport in transports:
            for items in sizes:
                m = run(build, work, url, transport, items)
                samples = m.rss_samples
                step = max(1, len(samples) // 400)
                results.append({
                    "transport": transport, "items": items, "wall": m.wall,
                    "items_per_s": items / m.wall, "cpu": m.cpu, "maxrss_kb": m.maxrss_kb,
                    "load": m.load, "rss_samples": samples[::step],
                })
                print(f"  {transport} {items}: {m.maxrss_kb / 1024:.1f} MB peak, "
                      f"{m.wall:.1f} s, load {m.load}", flush=True)
    finally:
        if server:
            server.close()
        origin.close()

    rows = []
    verdicts = []
    for transport in transports:
        rs = [r for r in results if r["transport"] == transport]
        small = min(rs, key=lambda r: r["items"])
        for r in rs:
            r["ratio"] = r["maxrss_kb"] / small["maxrss_kb"]
            rows.append([transport, r["items"], f"{r['wall']:.1f}", f"{r['items_per_s']:.0f}",
                         f"{r['cpu']:.1f}", f"{r['maxrss_kb'] / 1024:.1f}",
                         f"{r['ratio']:.2f}", r["load"]])
        peak = max(r["maxrss_kb"] for r in rs) / 1024
        big = max(rs, key=lambda r: r["items"])
        verdicts.append(f"{'MET ' if peak < TARGET_MB else 'MISS'} {transport}: highest peak "
                        f"RSS {peak:.1f} MB (target < {TARGET_MB} MB)")
        if big is not small:
            verdicts.append(f"{'MET ' if big['ratio'] <= TARGET_RATIO else 'MISS'} {transport}: "
                            f"{big['items']} items peak {big['ratio']:.2f}x the "
                            f"{small['items']}-item peak (target <= {TARGET_RATIO}x)")
    print()
    print(B.table(["transport", "items", "wall s", "items/s", "CPU s", "peak RSS MB",
                   "x smallest", "load"], rows))
    print()
    for line in verdicts:
        print(line)
    if args.json:
        B.write_json(args.json, {"machine": info, "server": args.server, "runs": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
