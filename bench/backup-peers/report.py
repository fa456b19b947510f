#!/usr/bin/env python3
"""Turns run.sh's measurements into Markdown: one table per tool, one of Lifeboat-to-peer ratios.

Usage: report.py RESULTS_TSV IMAGE_BYTES

Throughputs are the image's logical size (MB = 10^6 bytes) over wall-clock seconds; "cores" is CPU time
(user + system) over wall time, and "CPU s" that CPU time; peak RSS is the maximum resident set size from /usr/bin/time -v. With
several runs each figure is the median, and [min-max] follows it. Ratios are taken within each run, then
their median is shown, so a slow moment of the machine weighs on both sides of a ratio alike.
"""

import csv
import statistics
import sys
from collections import OrderedDict


def figures(row, image_bytes):
    number = {k: float(v) for k, v in row.items() if k not in ("run", "kind", "label", "settings")}
    mb = image_bytes / 1e6
    return {
        "b1": mb / number["b1_s"], "b1_cores": number["b1_cpu"] / number["b1_s"],
        "b2": mb / number["b2_s"], "b2_cores": number["b2_cpu"] / number["b2_s"],
        "restore": mb / number["restore_s"], "restore_cores": number["restore_cpu"] / number["restore_s"],
        "stored1": number["stored1"] / 1e6, "added2": (number["stored2"] - number["stored1"]) / 1e6,
        "stored2": number["stored2"] / 1e6,
        "rss_backup": max(number["b1_rss_kb"], number["b2_rss_kb"]) / 1024,
        "rss_restore": number["restore_rss_kb"] / 1024,
        "rss": max(number["b1_rss_kb"], number["b2_rss_kb"], number["restore_rss_kb"]) / 1024,
        "cpu_b1": number["b1_cpu"], "cpu_b2": number["b2_cpu"], "cpu_restore": number["restore_cpu"],
        "cpu": number["b1_cpu"] + number["b2_cpu"] + number["restore_cpu"],
    }


def cell(values, digits=0, cores=None):
    median = statistics.median(values)
    text = f"{median:.{digits}f}"
    if cores is not None:
        text += f" ({statistics.median(cores):.1f})"
    low, high = f"{min(values):.{digits}f}", f"{max(values):.{digits}f}"
    if low != high:
        text += f" [{low}-{high}]"
    return text


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py RESULTS_TSV IMAGE_BYTES")
    image_bytes = int(sys.argv[2])
    with open(sys.argv[1], newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows:
        sys.exit("report.py: no measurements to report.")

    by_label = OrderedDict()
    settings = {}
    kinds = {}
    per_run = {}
    for row in rows:
        fig = figures(row, image_bytes)
        by_label.setdefault(row["label"], []).append(fig)
        settings[row["label"]] = row["settings"]
        kinds[row["label"]] = row["kind"]
        per_run.setdefault(row["run"], {})[row["label"]] = fig
    runs = len(per_run)

    print(f"## Figures ({'median of ' + str(runs) + ' runs, [min-max]' if runs > 1 else 'one run'})")
    print()
    print("| tool | settings | backup 1 MB/s (cores) | backup 2 MB/s (cores) | stored after 1st MB "
          "| added by 2nd MB | stored after both MB | restore MB/s (cores) | peak RSS backup MiB | peak RSS restore MiB "
          "| CPU s backup 1 / 2 / restore |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, figs in by_label.items():
        col = lambda key: [f[key] for f in figs]  # noqa: E731
        print(f"| {label} | {settings[label]} | {cell(col('b1'), cores=col('b1_cores'))} "
              f"| {cell(col('b2'), cores=col('b2_cores'))} | {cell(col('stored1'))} | {cell(col('added2'), 1)} "
              f"| {cell(col('stored2'))} | {cell(col('restore'), cores=col('restore_cores'))} "
              f"| {cell(col('rss_backup'))} | {cell(col('rss_restore'))} "
              f"| {statistics.median(col('cpu_b1')):.1f} / {statistics.median(col('cpu_b2')):.1f} "
              f"/ {statistics.median(col('cpu_restore')):.1f} |")
    print()

    ours = [label for label in by_label if kinds[label] == "lifeboat"]
    peers = [label for label in by_label if kinds[label] != "lifeboat"]
    if not ours or not peers:
        print("(No ratios: the run had no Lifeboat or no peer.)")
        return
    print("## Lifeboat / peer, measured in the same run" + (" (median of the per-run ratios)" if runs > 1 else ""))
    print()
    print("Speed ratios above 1: Lifeboat is faster. Bytes, memory and CPU ratios below 1: Lifeboat stores or uses"
          " less. CPU time (user + system, all three steps) depends less than wall time on what else the machine"
          " runs.")
    print()
    print("| Lifeboat | peer | backup 1 speed | backup 2 speed | stored after both | restore speed | peak RSS | CPU time |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for mine in ours:
        for peer in peers:
            ratios = {key: [] for key in ("b1", "b2", "stored2", "restore", "rss", "cpu")}
            for figs in per_run.values():
                if mine in figs and peer in figs:
                    for key in ratios:
                        ratios[key].append(figs[mine][key] / figs[peer][key])
            if not ratios["b1"]:
                continue
            print(f"| {mine} | {peer} | " + " | ".join(f"{statistics.median(ratios[k]):.2f}" for k in ratios) + " |")


if __name__ == "__main__":
    main()
