#!/usr/bin/env python3
"""The table of warm.sh: per depth, each target's median ops/s [min-max] and server CPU per READ, and the ratios
lifeboat/ganesha, lifeboat/base and base/ganesha, of the medians and paired by round (median [min-max])."""
import json
import statistics
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
targets = ["ganesha", "base", "lifeboat"]
pairs = [("lifeboat", "ganesha"), ("lifeboat", "base"), ("base", "ganesha")]


def spread(values, fmt):
    return f"{fmt(statistics.median(values))} [{fmt(min(values))}-{fmt(max(values))}]"


def rate(v):
    return f"{v / 1000:.1f}k" if v >= 10000 else f"{v:.0f}"


def micro(v):
    return f"{v:.1f}"


print("| depth | figure | " + " | ".join(targets) + " | " + " | ".join(f"{a}/{b}" for a, b in pairs) + " |")
print("| --- | --- | " + " | ".join("---:" for _ in targets + pairs) + " |")
for depth in sorted({r["depth"] for r in rows}):
    at = {t: {r["round"]: r for r in rows if r["depth"] == depth and r["label"] == t} for t in targets}
    rounds = sorted(set.intersection(*(set(at[t]) for t in targets)))
    ops = {t: [at[t][n]["ops_per_s"] for n in rounds] for t in targets}
    cpu = {t: [at[t][n]["cpu_s"] * 1e6 / at[t][n]["ops"] for n in rounds] for t in targets}
    for name, values, fmt, better in (("4 KiB reads/s", ops, rate, 1), ("server CPU µs per READ", cpu, micro, -1)):
        cells = [spread(values[t], fmt) for t in targets]
        for a, b in pairs:
            med_a, med_b = statistics.median(values[a]), statistics.median(values[b])
            paired = [x / y for x, y in zip(values[a], values[b]) if y > 0]
            ratio = med_a / med_b if med_b > 0 else float("nan")
            cells.append(f"{ratio:.2f}, paired {spread(paired, lambda v: f'{v:.2f}')}" if paired else f"{ratio:.2f}")
        print(f"| {depth} | {name} | " + " | ".join(cells) + " |")
print()
print("Ratios are the first over the second: above 1 the first reads faster, or spends more CPU per READ. "
      "CPU from /proc (clock ticks of 10 ms), ganesha's whole daemon included.")
