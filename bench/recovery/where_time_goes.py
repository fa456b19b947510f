#!/usr/bin/env python3
"""Where a profiled instant recovery's time goes against booting the raw file: the same guest booted, side by side in
interleaved rounds, from its raw file (page cache cold and warm) and from its instant-recovery publication over NFS
once every block the boot reads is hydrated (the best a boot prefetch can do), with QEMU's nfs driver as Lifeboat
configures it and with its readahead and page cache; plus real instant recoveries with and without a profile.
Every boot goes through the same qcow2 overlay (the guest's writes land there), so the variants differ only in the
node the guest's reads reach. run with where_time_goes.sh beside this file; see README.md."""
import datetime
import json
import os
import re
import shutil
import subprocess
import time

from recovery_common import BenchError, bench_arguments, log, median_range, run_main, write_results
from recovery_guest import MILESTONES, Guest, booting_command_line, wait_for_marker
from recovery_processes import cpu_seconds, drop_page_cache, is_qemu_for, power_off, read_pid, thread_cpu, thread_cpu_delta
from recovery_runner import Bench

MIB = 1 << 20
# QEMU's own bounds (block/nfs.c) for readahead-size and page-cache-size.
VARIANTS = {
    "file-cold": "the raw file, page cache cold",
    "file-warm": "the raw file, page cache warm",
    "nfs": "NFS, as Lifeboat configures QEMU's nfs driver (no readahead, no page cache)",
    "nfs-readahead": "NFS, nfs driver readahead-size 1 MiB",
    "nfs-pagecache": "NFS, nfs driver page-cache-size 2048",
    "nfs-both": "NFS, readahead 1 MiB and page cache 2048",
    "instant": "instant recovery, no profile (the real session)",
    "profiled": "instant recovery with a profile (the real session)",
    "profiled-rest": "instant recovery with a profile, started over REST (no CLI process beside the boot)",
}
NFS_OPTIONS = {
    "nfs": {},
    "nfs-readahead": {"readahead-size": MIB},
    "nfs-pagecache": {"page-cache-size": 2048},
    "nfs-both": {"readahead-size": MIB, "page-cache-size": 2048},
}


class Experiment:
    def __init__(self, bench, guest, kept):
        self.bench, self.guest, self.kept = bench, guest, kept
        self.count = 0

    def keep_publication(self):
        """An instant recovery left running: its publication's hydration file holds every block the boot read."""
        folder_before = set(os.listdir(os.path.join(self.bench.data, "run")))
        out = json.loads(self.bench.lifeboat("instant-recover", "--vm", self.kept.vm, "--restore-point", self.kept.restore_point,
                                             "--ready-when", f"console:{self.kept.marker}", "--fw-cfg",
                                             f"opt/lifeboat/mode={self.kept.mode}", "--json"))
        self.session = out["sessionId"]
        fresh = set(os.listdir(os.path.join(self.bench.data, "run"))) - folder_before
        folder = os.path.join(self.bench.data, "run", fresh.pop())
        arguments = booting_command_line(os.path.join(folder, "vm.json"))
        self.nfs_nodes = {}
        for i in range(len(arguments) - 1):
            if arguments[i] == "-blockdev":
                node = json.loads(arguments[i + 1])
                self.nfs_nodes[node["node-name"]] = node["file"]
        if any(n.get("driver") != "nfs" for n in self.nfs_nodes.values()):
            raise BenchError(f"the instant-recovery VM's disks are not all nfs:// nodes: {self.nfs_nodes}")

    def boot(self, variant, copies):
        """The guest's own instant-recovery command line with each disk a qcow2 overlay over the variant's node."""
        self.count += 1
        folder = os.path.join(self.bench.work, "vm", f"{variant}-{self.count}")
        os.makedirs(folder)
        self.bench.vm_folders.append(folder)
        runtime, template = self.guest.template
        args = [a.replace(runtime + "/", folder + "/") for a in template]
        for i in range(len(args) - 1):
            if args[i] != "-blockdev":
                continue
            node = json.loads(args[i + 1])
            name = node["node-name"]
            if variant.startswith("file"):
                backing = {"driver": "file", "filename": copies[name]}
            else:
                backing = dict(self.nfs_nodes[name], **NFS_OPTIONS[variant])
            backing["read-only"] = True
            backing["node-name"] = f"{name}-file"
            overlay = os.path.join(folder, f"{name}.qcow2")
            size = os.path.getsize(self.guest.raws[int(name.removeprefix("disk"))])
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", overlay, str(size)], check=True)
            args[i + 1] = json.dumps({"driver": "qcow2", "node-name": name, "file": {"driver": "file", "filename": overlay},
                                      "backing": {"driver": "raw", "node-name": f"{name}-raw", "read-only": True, "file": backing}},
                                     separators=(",", ":"))
        if variant == "file-cold":
            drop_page_cache(list(copies.values()))
        elif variant == "file-warm":
            for path in copies.values():
                with open(path, "rb") as f:
                    while f.read(8 * MIB):
                        pass
        start = time.monotonic()
        started = subprocess.run(["qemu-system-x86_64"] + args, capture_output=True, text=True)
        if started.returncode != 0:
            log_file = os.path.join(folder, "qemu.log")
            said = open(log_file).read() if os.path.exists(log_file) else ""
            raise BenchError(f"QEMU did not start for {variant} ({started.returncode}): {started.stderr.strip()} {said.strip()}")
        pidfile = os.path.join(folder, "qemu.pid")
        timeline = {}
        server = cpu(self.bench.server.pid)

        def failed():
            if os.path.exists(pidfile) and is_qemu_for(read_pid(pidfile), pidfile):
                return None
            return f"QEMU exited before the guest printed {self.guest.marker}; see {folder}"
        try:
            seconds, _ = wait_for_marker(os.path.join(folder, "serial.log"), start, self.guest.marker, failed, timeline)
        finally:
            timeline["server_cpu"] = cpu(self.bench.server.pid) - server
            power_off(pidfile)
        return {"seconds": seconds, "timeline": timeline}

    def recover(self, variant):
        result = self.bench.instant(self.guest, variant, profiled=variant == "profiled")
        result["timeline"]["prefetch_done"] = self.prefetch_done(result["session"])
        return {"seconds": result["seconds"], "timeline": result["timeline"]}

    def prefetch_done(self, session):
        """Seconds from the publication to the end of the boot prefetch, as the session's log says; None without one."""
        found = re.search(rf"Session {re.escape(session)}: Boot prefetch done in ([0-9.]+) s", open(self.bench.server_log.name).read())
        return float(found.group(1)) if found else None

    def recover_over_rest(self):
        """As `lifeboat instant-recover` with the VM's profile, but POST /api/sessions from here: no CLI runs meanwhile."""
        drop_page_cache([os.path.join(self.bench.data, "repository")] + self.guest.raws)
        run_root = os.path.join(self.bench.data, "run")
        before = set(os.listdir(run_root))
        start = time.monotonic()
        session = self.bench.post("api/sessions", {"vm": self.guest.vm, "restorePoint": self.guest.restore_point,
                                                   "readyWhen": f"console:{self.guest.marker}", "powerOn": True,
                                                   "firmwareConfig": {"opt/lifeboat/mode": self.guest.mode}})["id"]
        while not set(os.listdir(run_root)) - before:
            if time.monotonic() - start > 120:
                raise BenchError(f"session {session} made no VM folder: {self.bench.api(f'api/sessions/{session}').get('error')}")
            time.sleep(0.01)
        folder = os.path.join(run_root, (set(os.listdir(run_root)) - before).pop())

        def failed():
            state = self.bench.api(f"api/sessions/{session}")["state"]
            return None if state in ("Starting", "Ready") else f"session {session} is {state}"
        timeline = {}
        server = cpu(self.bench.server.pid)
        threads = thread_cpu(self.bench.server.pid)
        reads = self.bench.nfs_reads()
        seconds, _ = wait_for_marker(os.path.join(folder, "serial.log"), start, self.guest.marker, failed, timeline)
        timeline["nfs_reads"] = [b - a for a, b in zip(reads, self.bench.nfs_reads())]
        timeline["server_cpu"] = cpu(self.bench.server.pid) - server
        timeline["server_threads"] = thread_cpu_delta(threads, thread_cpu(self.bench.server.pid))
        while self.bench.api(f"api/sessions/{session}")["state"] == "Starting":
            time.sleep(0.1)
        timeline["prefetch_done"] = self.prefetch_done(session)
        self.bench.post(f"api/sessions/{session}/stop")
        while self.bench.api(f"api/sessions/{session}")["state"] not in ("Stopped", "Failed"):
            time.sleep(0.1)
        return {"seconds": seconds, "timeline": timeline}


def cpu(pid):
    return cpu_seconds(pid) or 0.0


def main():
    parser = bench_arguments()
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    unknown = set(args.variants.split(",")) - set(VARIANTS)
    if unknown or "file-cold" not in args.variants.split(","):
        raise BenchError(f"--variants takes file-cold and any of {', '.join(VARIANTS)}, not {', '.join(sorted(unknown)) or args.variants}")

    config = os.path.join(args.guest, "guest.json")
    raw = os.path.join(args.guest, "guest.raw")
    guest = Guest("small", "the test guest", "guest", [raw], config, "stay", "LIFEBOAT-GUEST-BOOTED")
    # The same disk under a second name: its recovery stays up, so its publication serves the NFS variants.
    kept = Guest("kept", "the test guest, kept published", "guest-kept", [raw], config, "stay", "LIFEBOAT-GUEST-BOOTED")
    bench = Bench(args)
    experiment = Experiment(bench, guest, kept)
    chosen = [v for v in VARIANTS if v in args.variants.split(",")]
    results = {v: [] for v in chosen}
    load_before = os.getloadavg()
    began = time.monotonic()
    try:
        bench.start_server()
        bench.backup(guest)
        bench.backup(kept)
        bench.instant(guest, "warmup")  # the command line, and a boot profile for "profiled"
        copies = {}
        for index, raw in enumerate(guest.raws):
            copies[f"disk{index}"] = os.path.join(args.work, f"copy-disk{index}.raw")
            shutil.copyfile(raw, copies[f"disk{index}"])
        experiment.keep_publication()
        names = chosen
        for run in range(1, args.runs + 1):
            for variant in names[(run - 1) % len(names):] + names[:(run - 1) % len(names)]:
                os.sync()
                if variant == "profiled-rest":
                    result = experiment.recover_over_rest()
                elif variant in ("instant", "profiled"):
                    result = experiment.recover(variant)
                else:
                    result = experiment.boot(variant, copies)
                results[variant].append(result)
                log(f"run {run}: {variant}: {result['seconds']:.2f} s")
    finally:
        bench.cleanup()
    write_report(args, results, load_before, os.getloadavg(), time.monotonic() - began)


def write_report(args, results, load_before, load_after, elapsed):
    base = "file-cold"
    lines = [
        f"# Where a profiled recovery's time goes, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{args.command}` ({args.runs} interleaved rounds, {elapsed / 60:.1f} minutes). Machine: {os.cpu_count()} cores; "
        f"load average {' '.join(f'{x:.2f}' for x in load_before)} at the start, {' '.join(f'{x:.2f}' for x in load_after)} at the end.",
        f"Versions: Lifeboat {args.version}.",
        "",
        "The test guest (128 MiB disk), booted with its instant-recovery VM's own QEMU command line (TCG). Every variant "
        "but the two real sessions boots through a local qcow2 overlay over a read-only node: the raw file, or the disk "
        "of an instant-recovery publication over NFS whose hydration file already holds every block the boot reads "
        "(what a perfect boot prefetch leaves), with QEMU's nfs driver options as given. Seconds from QEMU's start; "
        "milestones from the serial console; CPU seconds of QEMU at the marker and of the Lifeboat server during the boot.",
        "",
        "| variant | answers, s | / raw file cold (per round) | " + " | ".join(name for name, _ in MILESTONES) + " | QEMU CPU s | server CPU s | CLI CPU s | prefetch done, s after publishing |",
        "| --- | ---: | ---: | " + " | ".join("---:" for _ in MILESTONES) + " | ---: | ---: | ---: | ---: |",
    ]
    for variant in results:
        title, r = VARIANTS[variant], results[variant]
        ratios = [x["seconds"] / b["seconds"] for x, b in zip(r, results[base])]
        cells = [median_range([x["timeline"].get("milestones", {}).get(name) for x in r]) for name, _ in MILESTONES]
        lines.append(f"| {title} | {median_range([x['seconds'] for x in r])} | {median_range(ratios)} | {' | '.join(cells)} | "
                     f"{median_range([x['timeline'].get('qemu_cpu') for x in r])} | {median_range([x['timeline'].get('server_cpu') for x in r])} | "
                     f"{median_range([x['timeline'].get('cli_cpu') for x in r])} | {median_range([x['timeline'].get('prefetch_done') for x in r])} |")
    threaded = [v for v in results if any(x["timeline"].get("server_threads") for x in results[v])]
    if threaded:
        lines += ["", "The server's CPU during the boot by thread (seconds, median of the rounds; the runtime's own names):", "",
                  "| variant | by thread |", "| --- | --- |"]
        for variant in threaded:
            names = {}
            for x in results[variant]:
                for name, seconds in x["timeline"].get("server_threads", {}).items():
                    names.setdefault(name, []).append(seconds)
            ordered = sorted(names.items(), key=lambda item: -sorted(item[1])[len(item[1]) // 2])
            lines.append(f"| {VARIANTS[variant]} | " + ", ".join(
                f"{name} {sorted(s)[len(s) // 2]:.2f}" for name, s in ordered[:8]) + " |")
    counted = [v for v in results if any(x["timeline"].get("nfs_reads") for x in results[v])]
    if counted:
        lines += ["", "The NFS READ calls the server answered during the boot (from its /metrics; median of the rounds):", "",
                  "| variant | READ calls | KiB per call | server's mean time per call, µs |", "| --- | ---: | ---: | ---: |"]
        for variant in counted:
            calls = [x["timeline"]["nfs_reads"] for x in results[variant] if x["timeline"].get("nfs_reads")]
            lines.append(f"| {VARIANTS[variant]} | {median_range([c[0] for c in calls])} | "
                         f"{median_range([c[2] / c[0] / 1024 if c[0] else None for c in calls])} | "
                         f"{median_range([c[1] / c[0] * 1e6 if c[0] else None for c in calls])} |")
    lines += ["", "Every round (seconds):", "", "| round | " + " | ".join(results) + " |",
              "| ---: | " + " | ".join("---:" for _ in results) + " |"]
    for n in range(args.runs):
        lines.append(f"| {n + 1} | " + " | ".join(f"{results[v][n]['seconds']:.2f}" for v in results) + " |")
    write_results(args.results, lines)


if __name__ == "__main__":
    run_main(main, "where_time_goes")
