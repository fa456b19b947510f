#!/usr/bin/env python3
"""Turns bench/migration/run.sh's JSON lines into a Markdown table: MiB/s of each copy (median [min-max] of the
repetitions), and the ratios within each repetition (mirror / cp, lifeboat / base), as medians with their range."""
import argparse
import json
import statistics
import sys

ORDER = ["cp", "base", "lifeboat"]
TITLES = {
    "cp": "`cp --sparse=never` of the raw disk + fsync",
    "base": "mirror from the base build's mount server + fsync",
    "lifeboat": "mirror from Lifeboat's mount server + fsync",
}


def median_range(values, digits=0):
    if not values:
        return "-"
    fmt = f"{{:.{digits}f}}"
    med = fmt.format(statistics.median(values))
    return med if len(values) == 1 else f"{med} [{fmt.format(min(values))}-{fmt.format(max(values))}]"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--mib", type=float, required=True)
    parser.add_argument("--title", default="Live mirror against cp")
    parser.add_argument("--context", default="")
    args = parser.parse_args()
    with open(args.results, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    if not rows:
        sys.exit("report.py: no results; the benchmark measured nothing.")
    targets = [t for t in ORDER if any(r["target"] == t for r in rows)]
    by = {(r["target"], r["rep"]): r for r in rows}
    reps = sorted({r["rep"] for r in rows})

    def speeds(target):
        return [args.mib / by[(target, rep)]["seconds"] for rep in reps if (target, rep) in by]

    def ratios(a, b):
        return [by[(b, rep)]["seconds"] / by[(a, rep)]["seconds"] for rep in reps if (a, rep) in by and (b, rep) in by]

    out = [f"# {args.title}", ""]
    if args.context:
        out += [line for line in args.context.splitlines() if line] + [""]
    out += ["MiB of disk per second (median [min-max] of the repetitions); the seconds run from the first byte copied "
            "to the copy's fsync; for the mirrors, when the job was ready (in sync) in parentheses. Ratios are taken "
            "within each repetition (above 1: the first is faster).", ""]
    out.append("| copy | MiB/s | seconds | / cp |" + (" / base |" if "base" in targets and "lifeboat" in targets else ""))
    out.append("| --- | ---: | ---: | ---: |" + (" ---: |" if "base" in targets and "lifeboat" in targets else ""))
    for t in targets:
        seconds = [by[(t, rep)]["seconds"] for rep in reps if (t, rep) in by]
        ready = [by[(t, rep)]["ready_s"] for rep in reps if (t, rep) in by and "ready_s" in by[(t, rep)]]
        cell = median_range(seconds, 2) + (f" (ready {median_range(ready, 2)})" if ready else "")
        line = f"| {TITLES[t]} | {median_range(speeds(t))} | {cell} | {median_range(ratios(t, 'cp'), 2) if t != 'cp' else ''} |"
        if "base" in targets and "lifeboat" in targets:
            line += f" {median_range(ratios('lifeboat', 'base'), 2) if t == 'lifeboat' else ''} |"
        out.append(line)
    print("\n".join(out))


if __name__ == "__main__":
    main()
