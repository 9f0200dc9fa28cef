#!/usr/bin/env python3
"""Turns bench/compare.sh's raw figures into a Markdown table and a gnuplot script.

Input: a TSV of `round system workload metric value` rows (value `1` with metric `failed` marks
a failed run). Output: OUT.md (the table) and OUT.gp (a gnuplot script drawing OUT.png).
Every figure is given as min / median / max over the rounds; Fjord's medians are divided by
the best peer's median and by the machine's limit where one applies.
"""

import argparse
import collections
import os
import statistics

PEERS = [("nats", "NATS JetStream"), ("redis", "Redis Streams")]
LOOPBACK = ("loopback TCP (iperf3, 1 stream)", "MB/s")
DISK = ("sequential write, fsync every 1 MiB (fio)", "MB/s")
FSYNC = "fdatasync of 4 KiB (fio)"
# fjord-durable-floor at the latency run's rate and size: write to durable by group commit.
FLOOR = "durable floor at the latency rate (group commit, no network)"


def lower_is_better(metric):
    return metric.endswith(" ms") or metric.startswith("RSS")


def fmt(metric, v):
    if v is None:
        return "—"
    if metric == "msg/s":
        return f"{v:,.0f}"
    if metric.endswith(" ms"):
        return f"{v:.3f}"
    return f"{v:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--title", required=True)
    ap.add_argument("--machine", required=True)
    ap.add_argument("--versions", required=True)
    ap.add_argument("--params", required=True)
    args = ap.parse_args()

    values = collections.defaultdict(list)  # (system, workload, metric) -> [float]
    failures = collections.Counter()  # (system, workload) -> failed runs
    order = []  # workloads in the order first seen
    rounds = set()
    with open(args.results) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5:
                continue
            rnd, system, workload, metric, value = parts
            rounds.add(rnd)
            if metric == "failed":
                failures[(system, workload)] += 1
                continue
            try:
                values[(system, workload, metric)].append(float(value))
            except ValueError:
                continue
            if system != "limit" and workload not in order:
                order.append(workload)

    def stats(system, workload, metric):
        v = values.get((system, workload, metric))
        if not v:
            return None
        return min(v), statistics.median(v), max(v)

    def cell(system, workload, metric):
        s = stats(system, workload, metric)
        failed = failures[(system, workload)]
        note = f" ({failed} failed)" if failed else ""
        if s is None:
            return "failed" if failed else "—"
        if len(values[(system, workload, metric)]) == 1:
            return fmt(metric, s[1]) + note
        return " / ".join(fmt(metric, x) for x in s) + note

    def median(system, workload, metric):
        s = stats(system, workload, metric)
        return s[1] if s else None

    def limit_for(workload, metric):
        """(median, name) of the machine limit a figure is held against, or None."""
        if metric == "MB/s" and workload.startswith("produce"):
            net, disk = median("limit", *LOOPBACK), median("limit", *DISK)
            candidates = [(v, n) for v, n in ((net, "loopback"), (disk, "disk")) if v]
            return min(candidates) if candidates else None
        if metric == "MB/s" and workload.startswith("consume"):
            net = median("limit", *LOOPBACK)
            return (net, "loopback") if net else None
        if workload.startswith("latency") and metric.endswith(" ms"):
            v = median("limit", FLOOR, metric)
            if v:
                return (v, f"durable floor {metric.split()[0]}")
            v = median("limit", FSYNC, metric)
            return (v, f"fdatasync {metric.split()[0]}") if v else None
        return None

    lines = [f"### {args.title}", ""]
    lines.append(f"Machine: {args.machine}. Versions: {args.versions}. {args.params}.")
    lines.append("")
    lines.append(
        "Each cell is min / median / max over the rounds (one value when there was one round). "
        "Ratios divide Fjord's median by the best peer's median and by the machine's limit: "
        "above 1 is better for msg/s and MB/s, below 1 is better for latency (ms) and memory "
        "(MB). Fjord's produce rows come in acks=1 and acks=all; the peers' figures repeat.")
    lines.append("")
    lines.append("| workload | figure | Fjord | NATS JetStream | Redis Streams "
                 "| Fjord ÷ best peer | Fjord ÷ limit |")
    lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    chart_rows = []  # (label, fjord, fjord acks=all, nats, redis) MB/s stats
    latency_rows = []  # (metric, fjord, fjord acks=all, nats, redis, durable floor) stats
    for workload in order:
        metrics = []
        for (system, w, metric) in values:
            if w == workload and metric not in metrics:
                metrics.append(metric)
        fjord_variants = [("fjord", "")]
        if any(w == workload and s == "fjord-acks-all" for (s, w, _) in values):
            fjord_variants = [("fjord", ", Fjord acks=1"), ("fjord-acks-all", ", Fjord acks=all")]
        for fjord_system, suffix in fjord_variants:
            for metric in metrics:
                peer_medians = [(median(p, workload, metric), name) for p, name in PEERS]
                peer_medians = [(v, n) for v, n in peer_medians if v is not None]
                f = median(fjord_system, workload, metric)
                best = ratio_best = ratio_limit = "—"
                if peer_medians and f is not None:
                    pick = min if lower_is_better(metric) else max
                    v, name = pick(peer_medians)
                    ratio_best = f"{f / v:.2f} ({name.split()[0]})" if v else "—"
                lim = limit_for(workload, metric)
                if lim and f is not None:
                    ratio_limit = f"{f / lim[0]:.2f} ({lim[1]})"
                lines.append(
                    f"| {workload}{suffix} | {metric} | {cell(fjord_system, workload, metric)} "
                    f"| {cell('nats', workload, metric)} | {cell('redis', workload, metric)} "
                    f"| {ratio_best} | {ratio_limit} |")
        if "MB/s" in metrics and not workload.startswith("latency"):
            chart_rows.append((workload, stats("fjord", workload, "MB/s"),
                               stats("fjord-acks-all", workload, "MB/s"),
                               stats("nats", workload, "MB/s"), stats("redis", workload, "MB/s")))
        if workload.startswith("latency"):
            for metric in ("p50 ms", "p99 ms", "p99.9 ms", "max ms"):
                latency_rows.append((metric.split()[0], stats("fjord", workload, metric),
                                     stats("fjord-acks-all", workload, metric),
                                     stats("nats", workload, metric),
                                     stats("redis", workload, metric),
                                     stats("limit", FLOOR, metric)))

    lines.append("")
    lines.append("Machine limits, measured in the same run:")
    lines.append("")
    lines.append("| limit | figure | min / median / max |")
    lines.append("| --- | --- | ---: |")
    limit_keys = sorted({(w, m) for (s, w, m) in values if s == "limit"})
    for w, m in limit_keys:
        lines.append(f"| {w} | {m} | {cell('limit', w, m)} |")
    lines.append("")
    with open(args.out + ".md", "w") as f:
        f.write("\n".join(lines))

    def triple(s):
        return "NaN NaN NaN" if s is None else f"{s[1]} {s[0]} {s[2]}"

    png = args.out + ".png"
    gp = [
        "set terminal pngcairo size 1400,600 font 'sans,10'",
        # Relative: gnuplot runs in the results directory, so the script names no machine path.
        f"set output '{os.path.basename(png)}'",
        "set multiplot layout 1,2 title " + repr(args.title),
        "set style data histogram",
        "set style histogram errorbars gap 1 lw 1",
        "set style fill solid 0.8 border -1",
        "set key top right",
        "set grid ytics",
        "set xtics rotate by -20",
        "$throughput << EOD",
    ]
    for label, *systems in chart_rows:
        gp.append('"' + label.replace(", 12 partitions, 4 producers", " 12p×4") + '" ' +
                  " ".join(triple(s) for s in systems))
    gp += [
        "EOD",
        "set title 'Throughput, MB/s (median; bars: min–max)'",
        "set yrange [0:*]",
        "plot $throughput using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', "
        "'' using 5:6:7 title 'Fjord acks=all' lc rgb '#c77dff', "
        "'' using 8:9:10 title 'NATS JetStream' lc rgb '#2a9d8f', "
        "'' using 11:12:13 title 'Redis Streams' lc rgb '#e76f51'",
        "$latency << EOD",
    ]
    for label, *systems in latency_rows:
        gp.append(f'"{label}" ' + " ".join(triple(s) for s in systems))
    gp += [
        "EOD",
        "set title 'End-to-end latency at a fixed rate, ms (log scale)'",
        "set logscale y",
        "set yrange [*:*]",
        "set key top left",
        "set xtics norotate",
        "plot $latency using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', "
        "'' using 5:6:7 title 'Fjord acks=all' lc rgb '#c77dff', "
        "'' using 8:9:10 title 'NATS JetStream' lc rgb '#2a9d8f', "
        "'' using 11:12:13 title 'Redis Streams' lc rgb '#e76f51', "
        "'' using 14:15:16 title 'durable floor (limit)' lc rgb '#adb5bd'",
        "unset multiplot",
    ]
    with open(args.out + ".gp", "w") as f:
        f.write("\n".join(gp) + "\n")


if __name__ == "__main__":
    main()
