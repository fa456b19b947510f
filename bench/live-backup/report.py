#!/usr/bin/env python3
"""Turns run.sh's results.tsv into Markdown: the figures of each backup, then Lifeboat / virtnbdbackup and
Lifeboat / virtnbdbackup -z ratios against the goals of issue 21. Usage: report.py RESULTS_TSV

Bytes read: Lifeboat's own count (backup --json, changeTracking.bytesRead over the disks); virtnbdbackup's is
the size of the data files it wrote in that backup (uncompressed stream: the data it read plus small headers); none
for virtnbdbackup -z (its files hold lz4 frames).
Stored: du -sb of the repository / output folder after the backup ("added" = growth in that backup).
Write rate: records (4 KiB + sync each) the guest numbered on its serial console per second while the backup
ran, against the idle windows of the same rep (no backup, no change running)."""
import csv
import statistics
import sys

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))


def num(v):
    return float(v) if v not in ("", None) else None


idle = {}
for r in rows:
    if r["tool"] == "idle":
        idle.setdefault(r["rep"], []).append(float(r["records"]) / float(r["record_seconds"]))
idle_rate = {rep: statistics.mean(v) for rep, v in idle.items()}

backups = [r for r in rows if r["tool"] != "idle"]
prev_stored = {}
figs = {}
for r in backups:
    tool, level = r["tool"], ("full" if r["level"] == "full" else "incremental")
    stored = float(r["stored_total"])
    added = stored - prev_stored.get(tool, 0)
    prev_stored[tool] = stored
    rate = float(r["records"]) / float(r["record_seconds"])
    f = {
        "seconds": float(r["seconds"]), "rss_mib": float(r["rss_kb"]) / 1024,
        "read_mb": float(r["bytes_read"]) / 1e6 if r["bytes_read"] else None,
        "added_mb": added / 1e6, "stored_mb": stored / 1e6, "frozen_ms": num(r["frozen_ms"]),
        "rate": rate, "rate_vs_idle": rate / idle_rate[r["rep"]] if idle_rate.get(r["rep"]) else None,
        "note": r["note"],
    }
    figs.setdefault((tool, level), []).append((r["rep"], f))


def show(v, fmt="{:.2f}"):
    return "-" if v is None else fmt.format(v)


print("| tool | backup | rep | wall s | read MB | added MB | stored total MB | peak RSS MiB | frozen ms | guest records/s (vs idle) | note |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for (tool, level), items in figs.items():
    for rep, f in items:
        frozen = "< 1000" if f["frozen_ms"] == 0 and tool.startswith("virtnbdbackup") else show(f["frozen_ms"], "{:.0f}")
        print(f"| {tool} | {level} | {rep} | {f['seconds']:.2f} | {show(f['read_mb'], '{:.1f}')} | {f['added_mb']:.1f} | {f['stored_mb']:.1f} | "
              f"{f['rss_mib']:.0f} | {frozen} | {f['rate']:.1f} ({show(f['rate_vs_idle'])}x) | {f['note'] or ''} |")
print()
print("Idle record rate (no backup running): " + ", ".join(f"rep {k}: {v:.1f}/s" for k, v in idle_rate.items()) + ".")
print()


def ratio(key, level, peer, agg=statistics.median):
    a = [f[key] for _, f in figs.get(("lifeboat", level), []) if f[key] is not None]
    b = [f[key] for _, f in figs.get((peer, level), []) if f[key] is not None]
    if key == "frozen_ms":  # virtnbdbackup's log stamps are to the second: 0 means under 1 s, no ratio
        b = [v for v in b if v != 0]
    if not a or not b or agg(b) == 0:
        return None, (agg(a) if a else None), (agg(b) if b else None)
    return agg(a) / agg(b), agg(a), agg(b)


print("## Ratios, Lifeboat / virtnbdbackup and Lifeboat / virtnbdbackup -z (medians over reps)")
print()
print("| figure | Lifeboat | virtnbdbackup | ratio | virtnbdbackup -z | ratio | goal |")
print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
lines = [
    ("full backup time, s", "seconds", "full", "ratio <= 0.5 (2x faster)"),
    ("incremental backup time, s", "seconds", "incremental", "ratio <= 0.5 (2x faster)"),
    ("full: bytes read from the VM, MB", "read_mb", "full", ""),
    ("incremental: bytes read from the VM, MB", "read_mb", "incremental", ""),
    ("full: bytes stored, MB", "added_mb", "full", "ratio <= 1"),
    ("incremental: bytes stored (added), MB", "added_mb", "incremental", "ratio <= 1"),
    ("peak RSS full, MiB", "rss_mib", "full", ""),
    ("peak RSS incremental, MiB", "rss_mib", "incremental", ""),
    ("frozen full, ms", "frozen_ms", "full", "Lifeboat < 1000 ms"),
    ("frozen incremental, ms", "frozen_ms", "incremental", "Lifeboat < 1000 ms"),
    ("guest write rate during full / idle", "rate_vs_idle", "full", "Lifeboat >= 0.8"),
    ("guest write rate during incremental / idle", "rate_vs_idle", "incremental", "Lifeboat >= 0.8"),
]
for label, key, level, goal in lines:
    r, a, b = ratio(key, level, "virtnbdbackup")
    rz, _, bz = ratio(key, level, "virtnbdbackup-z")
    print(f"| {label} | {show(a)} | {show(b)} | {show(r)} | {show(bz)} | {show(rz)} | {goal} |")
