#!/usr/bin/env python3
"""Turns nfsbench's JSON lines into the Markdown tables of a side-by-side run: the median of the repetitions
with their range, and the ratios of the medians (lifeboat/ganesha, lifeboat/local, ganesha/local; with a second
build of Lifeboat, target "base", also base/ganesha and lifeboat/base, and lifeboat/base paired by repetition: the
two builds run back to back on the same seed in each repetition, so the median of those ratios is less moved by
load that changes between repetitions than the ratio of the medians)."""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ratios import spread  # noqa: E402

TARGETS = ["local", "ganesha", "base", "lifeboat"]


def load(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"report.py: line {number} of {path} is not JSON ({e}); rerun the benchmark.")
    return rows


def metrics(rows):
    """The table's rows, in a stable order: (key, description, unit field, unit)."""
    seen = {(r["test"], r["depth"], r["pass"], r["bs"]) for r in rows}
    order = {"randread": 0, "seqread": 1, "randwrite": 2}
    out = []
    for test, depth, pass_, bs in sorted(seen, key=lambda k: (order[k[0]], k[1], k[2] != "cold")):
        size = f"{bs // 1048576} MiB" if bs % 1048576 == 0 else f"{bs // 1024} KiB"
        if test == "randread":
            out.append(((test, depth, pass_, bs), f"{size} random read, depth {depth}, {pass_}", "ops_per_s", "ops/s"))
        elif test == "seqread":
            out.append(((test, depth, pass_, bs), f"{size} sequential read, depth {depth}, {pass_}", "mib_per_s", "MiB/s"))
        else:
            out.append(((test, depth, pass_, bs), f"{size} random write + COMMIT, depth {depth}", "ops_per_s", "ops/s"))
    return out


def number(v):
    if v >= 100000:
        return f"{v / 1000:.0f}k"
    if v >= 10000:
        return f"{v / 1000:.1f}k"
    if v >= 100:
        return f"{v:.0f}"
    return f"{v:.1f}"


def cell(values):
    if not values:
        return "-"
    med = statistics.median(values)
    if len(values) == 1:
        return number(med)
    return f"{number(med)} [{number(min(values))}-{number(max(values))}]"


def ratio(a, b):
    if not a or not b:
        return "-"
    return f"{statistics.median(a) / statistics.median(b):.2f}"


def paired(rows, key, field):
    """lifeboat/base of each repetition (the same seed), as median [min-max]."""
    by_seed = {}
    for r in rows:
        if r["label"] in ("lifeboat", "base") and (r["test"], r["depth"], r["pass"], r["bs"]) == key:
            by_seed.setdefault(r["seed"], {})[r["label"]] = r[field]
    return spread([p["lifeboat"] / p["base"] for p in by_seed.values() if p.get("base") and "lifeboat" in p])


def progress():
    """Echoes each result line as it arrives, for a person watching the run."""
    for line in sys.stdin:
        r = json.loads(line)
        cpu = f"  server CPU {r['server_cpu_us_per_op']:6.1f} us/op" if "server_cpu_us_per_op" in r else ""
        print(f"  {r['label']:8} {r['test']:9} depth {r['depth']:2} {r['pass']:4}: {r['ops_per_s']:9.0f} ops/s "
              f"{r['mib_per_s']:7.1f} MiB/s  p50 {r['lat_p50_us']:7.1f} us  p99 {r['lat_p99_us']:7.1f} us{cpu}", flush=True)


def server_cpu(ticks, ticks_per_second):
    """Adds to each of one test's lines the server's CPU time per request over all its passes (cold and warm)."""
    rows = [json.loads(line) for line in sys.stdin if line.strip()]
    ops = sum(r["ops"] for r in rows)
    for r in rows:
        r["server_cpu_us_per_op"] = ticks / ticks_per_second * 1e6 / ops if ops else 0
        print(json.dumps(r))


def main():
    if sys.argv[1:] == ["--progress"]:
        progress()
        return
    if sys.argv[1:2] == ["--server-cpu"]:
        server_cpu(int(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--title", default="NFS side by side")
    parser.add_argument("--context", default="")
    args = parser.parse_args()
    rows = load(args.results)
    if not rows:
        sys.exit(f"report.py: {args.results} holds no result; the benchmark measured nothing.")
    targets = [t for t in TARGETS if any(r["label"] == t for r in rows)]

    def values(target, key, field):
        return [r[field] for r in rows if r["label"] == target and (r["test"], r["depth"], r["pass"], r["bs"]) == key]

    ratios = [(f"{a}/{b}", a, b) for a, b in [("lifeboat", "ganesha"), ("base", "ganesha"), ("lifeboat", "base"),
                                              ("lifeboat", "local"), ("ganesha", "local")]
              if a in targets and b in targets]

    out = [f"# {args.title}", ""]
    if args.context:
        out += [line for line in args.context.splitlines()] + [""]
    out += ["Median of the repetitions [min-max]; ratios are ratios of the medians (above 1: the first is faster).", ""]
    pairs = "base" in targets and "lifeboat" in targets
    header = ["test", "unit"] + targets + [name for name, _, _ in ratios] + (["lifeboat/base by repetition"] if pairs else [])
    out.append("| " + " | ".join(header) + " |")
    out.append("| " + " | ".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + " |")
    for key, description, field, unit in metrics(rows):
        line = [description, unit] + [cell(values(t, key, field)) for t in targets]
        line += [ratio(values(a, key, field), values(b, key, field)) for _, a, b in ratios]
        line += [paired(rows, key, field)] if pairs else []
        out.append("| " + " | ".join(line) + " |")

    out += ["", "Latency per request, median of the repetitions' p50 / p99 (µs):", ""]
    out.append("| test | " + " | ".join(targets) + " |")
    out.append("| --- | " + " | ".join(["---:"] * len(targets)) + " |")
    for key, description, _, _ in metrics(rows):
        line = [description]
        for t in targets:
            p50, p99 = values(t, key, "lat_p50_us"), values(t, key, "lat_p99_us")
            line.append(f"{statistics.median(p50):.0f} / {statistics.median(p99):.0f}" if p50 else "-")
        out.append("| " + " | ".join(line) + " |")

    cpu_targets = [t for t in targets if any("server_cpu_us_per_op" in r for r in rows if r["label"] == t)]
    if cpu_targets:
        out += ["", "The mount server's CPU time per request over a test's passes (cold and warm together), µs, median [min-max] (below 1: lifeboat spends less):", ""]
        both = "base" in cpu_targets and "lifeboat" in cpu_targets
        out.append("| test | " + " | ".join(cpu_targets) + (" | lifeboat/base | lifeboat/base by repetition |" if both else " |"))
        out.append("| --- | " + " | ".join(["---:"] * (len(cpu_targets) + (2 if both else 0))) + " |")
        for key, description, _, _ in metrics(rows):
            if key[2] == "warm":
                continue
            description = description.replace(", cold", "")
            line = [description] + [cell(values(t, key, "server_cpu_us_per_op")) for t in cpu_targets]
            if both:
                line += [ratio(values("lifeboat", key, "server_cpu_us_per_op"), values("base", key, "server_cpu_us_per_op")),
                         paired(rows, key, "server_cpu_us_per_op")]
            out.append("| " + " | ".join(line) + " |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
