#!/usr/bin/python3
"""Plots for docs/benchmarks.md from the --json files of the bench drivers.

    bench/plot.sh [--reference FILE] [--throughput FILE] [--memory FILE] [--out-dir docs]

Writes benchmarks-reference.png, benchmarks-throughput.png and
benchmarks-memory.png for whichever inputs are given.
"""
import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"fetchctl-curl_threads": "#1f77b4", "fetchctl-poco_async": "#2ca02c",
          "py-threadpool": "#d62728", "py-asyncio": "#ff7f0e",
          "fetchctl curl_threads": "#1f77b4", "fetchctl poco_async": "#2ca02c",
          "wrk": "#7f7f7f", "curl_threads": "#1f77b4", "poco_async": "#2ca02c"}


def subtitle(machine):
    return (f"{machine['cpus']} CPUs ({machine['cpu_model']}), shared and noisy; "
            f"{machine['date']}")


def reference(data, out):
    runs = [r for r in data["runs"] if r.get("ok", True)]
    tools = list(dict.fromkeys(r["tool"] for r in runs))
    server_rate = data.get("server_rate", 20)
    fetchctl_rate = data.get("fetchctl_rate") or data.get("config_rate") or 19.5
    python_rate = data.get("python_rate", 18.0)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5.2))

    # Left: each run's wall time against the requests it needed, with the
    # time those requests take at the server's rate and at each pacing.
    lo = min(r["requests"] for r in runs) - 10
    hi = max(r["requests"] for r in runs) + 10
    for rate, style, label in ((server_rate, "-", f"requests / {server_rate:g} (lower bound)"),
                               (fetchctl_rate, "--", f"requests / {fetchctl_rate:g} (fetchctl pacing)"),
                               (python_rate, ":", f"requests / {python_rate:g} (Python pacing)")):
        left.plot([lo, hi], [lo / rate, hi / rate], style, color="black", lw=1, label=label)
    for tool in tools:
        rs = [r for r in runs if r["tool"] == tool]
        left.scatter([r["requests"] for r in rs], [r["wall"] for r in rs], s=28,
                     color=COLORS.get(tool, "#555"), label=tool, zorder=3)
    left.set_xlabel("requests the run needed (server count)")
    left.set_ylabel("wall time (s)")
    left.set_title("wall time against requests needed", fontsize=10)
    left.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)

    # Right: wall / bound per run, grouped by tool.
    for i, tool in enumerate(tools):
        rs = [r for r in runs if r["tool"] == tool]
        width = 0.8 / len(rs)
        for j, r in enumerate(rs):
            x = i + (j - (len(rs) - 1) / 2) * width
            right.bar(x, r["ratio"], width=width * 0.9, color=COLORS.get(tool, "#555"))
    right.axhline(1.05, color="black", ls="--", lw=1)
    right.text(len(tools) - 0.5, 1.05, "target 1.05", ha="right", va="center", fontsize=8,
               zorder=5, bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1))
    for rate in (fetchctl_rate, python_rate):
        right.axhline(server_rate / rate, color="grey", ls=":", lw=1)
        right.text(len(tools) / 2 - 0.5, server_rate / rate, f"pacing floor {server_rate / rate:.3f}",
                   fontsize=7, color="dimgrey", va="center", ha="center", zorder=5,
                   bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1))
    right.set_xticks(range(len(tools)))
    right.set_xticklabels([t.replace("-", "\n", 1) for t in tools], fontsize=8)
    right.set_ylim(0.99, max(r["ratio"] for r in runs) + 0.02)
    right.set_ylabel(f"wall / (requests / {server_rate:g} per s)")
    right.set_title("wall time over the lower bound, one bar per run", fontsize=10)
    fig.suptitle(f"Reference job, ids {data['first']}..{data['last']}\n"
                 f"{subtitle(data['machine'])}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def throughput(data, out):
    summary = data["summary"]
    servers = list(dict.fromkeys(s["server"] for s in summary))
    clients = list(dict.fromkeys(s["client"] for s in summary))
    conns = sorted(set(s["conns"] for s in summary))
    fig, axes = plt.subplots(1, len(servers), figsize=(5.5 * len(servers), 4.2), squeeze=False)
    width = 0.8 / len(clients)
    for ax, server in zip(axes[0], servers):
        for k, client in enumerate(clients):
            xs, ys = [], []
            for i, c in enumerate(conns):
                match = [s for s in summary if s["server"] == server and s["client"] == client
                         and s["conns"] == c]
                if match:
                    xs.append(i + (k - (len(clients) - 1) / 2) * width)
                    ys.append(match[0]["items_per_s"])
            variant = "(" in client
            bars = ax.bar(xs, ys, width=width * 0.95, label=client,
                          color=COLORS.get(client.split(" (")[0], "#555"),
                          alpha=0.45 if variant else 0.9, hatch="//" if variant else None)
            for bar, y in zip(bars, ys):
                ax.text(bar.get_x() + bar.get_width() / 2, y, f"{y / 1000:.1f}k",
                        ha="center", va="bottom", fontsize=7)
        for i, c in enumerate(conns):
            wrk = [s["items_per_s"] for s in summary if s["server"] == server
                   and s["client"] == "wrk" and s["conns"] == c]
            if wrk:
                ax.plot([i - 0.42, i + 0.42], [wrk[0] / 2] * 2, color="black", ls="--", lw=1)
        ax.set_xticks(range(len(conns)))
        ax.set_xticklabels([f"{c} connections" for c in conns])
        ax.set_ylabel("items (requests) per second")
        ax.set_title(server, fontsize=10)
    handles, labels = axes[0][0].get_legend_handles_labels()
    handles.append(plt.Line2D([], [], color="black", ls="--", lw=1))
    labels.append("target: half of wrk")
    fig.legend(handles, labels, fontsize=8, loc="lower center", ncol=len(labels))
    fig.suptitle(f"Raw throughput, no rate limit (medians of {max(s['runs'] for s in summary)} "
                 f"runs)\n{subtitle(data['machine'])}", fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(out, dpi=110)
    plt.close(fig)


def memory(data, out):
    runs = data["runs"]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for r in runs:
        samples = r["rss_samples"]
        if not samples:
            continue
        wall = max(r["wall"], samples[-1][0])
        xs = [100.0 * t / wall for t, _ in samples]
        ys = [kb / 1024 for _, kb in samples]
        style = "-" if r["items"] >= 100000 else ":"
        ax.plot(xs, ys, style, color=COLORS.get(r["transport"]), lw=1.6,
                label=f"{r['transport']}, {r['items']:,} items "
                      f"(peak {r['maxrss_kb'] / 1024:.1f} MB, {r['wall']:.1f} s)")
    ax.axhline(64, color="black", ls="--", lw=1)
    ax.text(1, 64.5, "target: < 64 MB", fontsize=8, va="bottom")
    ax.set_ylim(0, 70)
    ax.set_xlim(0, 100)
    ax.set_xlabel("progress through the run (% of its wall time)")
    ax.set_ylabel("resident set size (MB), sampled every 0.1 s")
    ax.legend(fontsize=8, loc="center right")
    ax.set_title(f"fetchctl memory, raw mode against {data['server']}\n"
                 f"{subtitle(data['machine'])}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference")
    parser.add_argument("--throughput")
    parser.add_argument("--memory")
    parser.add_argument("--out-dir", default=str(Path(__file__).resolve().parent.parent / "docs"))
    args = parser.parse_args()
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, func in (("reference", reference), ("throughput", throughput),
                       ("memory", memory)):
        path = getattr(args, name)
        if path:
            target = out / f"benchmarks-{name}.png"
            func(json.loads(Path(path).read_text()), target)
            print(f"wrote {target}")


if __name__ == "__main__":
    main()
