#!/usr/bin/env python3
"""Verification throughput of one Lifeboat server: the test guest backed up into N restore points, each verified
(`POST /api/verifications`: an isolated boot, one check through the guest agent, a screenshot, the teardown), all N
queued at once and one after another, in interleaved runs. run.sh (beside this file) prepares the CLI, the test guest
and the port 111 lock, then runs this. See README.md beside this file for what each figure means."""
import datetime
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "recovery"))
from recovery_common import BenchError, bench_arguments, log, median_range, run_main, write_results  # noqa: E402
from recovery_processes import drop_page_cache  # noqa: E402
from recovery_runner import Bench  # noqa: E402

POLL = 0.2
VERIFY_TIMEOUT = 600.0
WAYS = ("together", "in turn")
WAY_TITLES = {
    "together": "all queued at once (the server boots as many at once as its slots allow)",
    "in turn": "one after another (each queued when the previous one ended)",
}
CHECK = {"name": "kernel", "command": "cat /proc/version"}


class Verifier:
    def __init__(self, bench, timeout):
        self.bench, self.timeout = bench, timeout
        self.namespaces = network_namespaces()

    def start(self, restore_point, **extra):
        body = {"vm": "guest", "restorePoint": restore_point, "firmwareConfig": {"opt/lifeboat/mode": "stay"},
                "timeoutSeconds": self.timeout, "checks": [CHECK], **extra}
        return {"id": self.bench.post("api/verifications", body)["id"], "restorePoint": restore_point, "posted": time.monotonic()}

    def wait(self, started):
        """Polls every verification until each has an outcome; adds when it was seen ended and what the server says."""
        pending = list(started)
        deadline = time.monotonic() + VERIFY_TIMEOUT
        while pending:
            for item in list(pending):
                view = self.bench.api(f"api/verifications/{item['id']}")
                if view.get("outcome") is not None and view["state"] in ("Stopped", "Failed", "Finalized"):
                    item["ended"] = time.monotonic()
                    item["outcome"] = view["outcome"]
                    session = self.bench.api(f"api/sessions/{item['id']}")
                    steps = {s["name"]: s for s in session["steps"]}
                    slot = steps.get("Wait for a verification slot", {})
                    item["queued"] = slot.get("durationSeconds") or 0.0
                    item["slots"] = slot.get("message", "")
                    item["boot"] = steps.get("Wait for the guest", {}).get("message", "")
                    item["session"] = session
                    pending.remove(item)
            if time.monotonic() > deadline:
                raise BenchError(f"verifications {', '.join(i['id'] for i in pending)} had no outcome within {VERIFY_TIMEOUT:.0f} s")
            if pending:
                time.sleep(POLL)
        return started

    def run(self, way, restore_points):
        drop_page_cache([os.path.join(self.bench.data, "repository")])
        began = time.monotonic()
        if way == "together":
            done = self.wait([self.start(rp) for rp in restore_points])
        else:
            done = [self.wait([self.start(rp)])[0] for rp in restore_points]
        wall = max(i["ended"] for i in done) - began
        failed = [i for i in done if not i["outcome"]["passed"]]
        if failed:
            raise BenchError(f"verification {failed[0]['id']} of {failed[0]['restorePoint']} failed: {failed[0]['outcome'].get('reason')}")
        leftovers = self.leftovers()
        if leftovers:
            raise BenchError(f"after the {way} run: {leftovers}")
        return {"wall": wall, "items": done}

    def leftovers(self):
        """What a finished verification must not leave: a QEMU or other process of the server's data folder, a
        publication, a cache or runtime folder, a network namespace no process had before."""
        found = []
        server_pid = self.bench.server.pid
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == server_pid:
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if self.bench.data.encode() in f.read():
                        found.append(f"process {pid} of the server's data folder runs")
            except OSError:
                continue
        info = self.bench.api("api/server")
        if info.get("publications"):
            found.append(f"{info['publications']} publication(s)")
        cache = os.path.join(self.bench.data, "cache")
        extra = sorted(set(os.listdir(cache)) - {"publications.json"}) if os.path.isdir(cache) else []
        if extra:
            found.append(f"cache folder(s) {', '.join(extra)}")
        run_root = os.path.join(self.bench.data, "run")
        if os.path.isdir(run_root) and os.listdir(run_root):
            found.append(f"runtime folder(s) {', '.join(os.listdir(run_root))}")
        new_namespaces = network_namespaces() - self.namespaces
        if new_namespaces:
            found.append(f"network namespace(s) {', '.join(sorted(new_namespaces))} that no process had before")
        return "; ".join(found)


def network_namespaces():
    """The network namespaces processes are in, plus those bound under /run/netns (`ip netns add`)."""
    spaces = set()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                spaces.add(os.readlink(f"/proc/{pid}/ns/net"))
            except OSError:
                continue
    if os.path.isdir("/run/netns"):
        spaces |= {f"/run/netns/{n}" for n in os.listdir("/run/netns")}
    return spaces


def main():
    parser = bench_arguments()
    parser.add_argument("--restore-points", type=int, default=6)
    parser.add_argument("--max-verifications", type=int)
    args = parser.parse_args()

    raw = os.path.join(args.guest, "guest.raw")
    bench = Bench(args)
    verifier = Verifier(bench, timeout=300)
    load_before = os.getloadavg()
    began = time.monotonic()
    results = {w: [] for w in WAYS}
    failures = {}
    try:
        bench.start_server(*(["--max-verifications", str(args.max_verifications)] if args.max_verifications else []))
        restore_points = []
        for n in range(args.restore_points):
            out = json.loads(bench.lifeboat("backup", "--repo", os.path.join(bench.data, "repository"), "--vm", "guest",
                                            "--disk", raw, "--vm-config", os.path.join(args.guest, "guest.json"), "--json"))
            restore_points.append(out["restorePointId"])
            # Restore point ids are to the second.
            time.sleep(1.1)
        log(f"backed up the test guest into {len(restore_points)} restore points")
        warm = verifier.run("in turn", restore_points[:1])
        log(f"warm-up: one verification in {warm['wall']:.1f} s (it records the VM's boot profile the others prefetch)")
        for run in range(1, args.runs + 1):
            for way in (WAYS if run % 2 else WAYS[::-1]):
                result = verifier.run(way, restore_points)
                results[way].append(result)
                log(f"run {run}: {way}: {len(restore_points)} verified in {result['wall']:.1f} s "
                    f"({3600 * len(restore_points) / result['wall']:.0f} per hour)")
        failures["a failing check"] = verifier.wait([verifier.start(restore_points[0], checks=[
            {"name": "service", "command": "echo service is down; exit 4"}])])[0]
        failures["a guest that never answers"] = verifier.wait([verifier.start(restore_points[0], readyWhen="console:NEVER-PRINTED",
                                                                               timeoutSeconds=30)])[0]
        for name, item in failures.items():
            if item["outcome"]["passed"]:
                raise BenchError(f"the verification with {name} passed")
            item["leftovers"] = verifier.leftovers() or "nothing"
            log(f"{name}: failed as it should ({item['outcome']['reason']}); left behind: {item['leftovers']}")
    finally:
        bench.cleanup()
    write_report(args, restore_points, results, failures, load_before, os.getloadavg(), time.monotonic() - began)


def write_report(args, restore_points, results, failures, load_before, load_after, elapsed):
    n = len(restore_points)
    first = results[WAYS[0]][0]["items"][0]
    lines = [
        f"# Verification throughput, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{args.command}` ({args.runs} interleaved run{'s' if args.runs > 1 else ''} of each way after one untimed "
        f"verification; {elapsed / 60:.1f} minutes in all).",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}; load average {' '.join(f'{x:.2f}' for x in load_before)} at the start, "
        f"{' '.join(f'{x:.2f}' for x in load_after)} at the end (other engineers' builds share the cores: read every figure as a range).",
        f"Versions: Lifeboat {args.version}. The server's slots: {first['slots'] or 'not reported'}.",
        "",
        f"The test guest (tests/guest, 128 MiB disk) backed up {n} times into the server's repository (the same disk each "
        "time, so the restore points share their chunks, as successive backups of an idle VM do). Each verification is "
        "`POST /api/verifications` of one restore point: an isolated instant recovery (no NIC), ready when the guest "
        f"agent answers, one check (`{CHECK['command']}`) through the agent, a screenshot, the teardown. The repository's "
        "files are evicted from the page cache (posix_fadvise DONTNEED) before each run. A verification's time is from "
        "its POST to its outcome (polled every 0.2 s); queued is its time in \"Wait for a verification slot\".",
        "",
        "| way | restore points per hour | wall time for all, s | a verification, s | of which queued, s | its recovery time (from its start, queue included), s | the same less the queue, s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for way in WAYS:
        runs = results[way]
        items = [i for r in runs for i in r["items"]]
        lines.append(f"| {WAY_TITLES[way]} | {median_range([3600 * n / r['wall'] for r in runs], 0)} | "
                     f"{median_range([r['wall'] for r in runs], 1)} | {median_range([i['ended'] - i['posted'] for i in items], 1)} | "
                     f"{median_range([i['queued'] for i in items], 1)} | {median_range([i['outcome'].get('recoverySeconds') for i in items], 1)} | "
                     f"{median_range([i['outcome']['recoverySeconds'] - i['queued'] for i in items if i['outcome'].get('recoverySeconds')], 1)} |")
    together = [r["wall"] for r in results["together"]]
    in_turn = [r["wall"] for r in results["in turn"]]
    lines += [
        "",
        f"All at once against one after another, per run (wall time ratio, in turn / at once): "
        f"{median_range([b / a for a, b in zip(together, in_turn)])}.",
        "",
        "Every run (seconds for all):",
        "",
        "| run | at once | in turn |",
        "| ---: | ---: | ---: |",
    ]
    for index, (a, b) in enumerate(zip(together, in_turn), start=1):
        lines.append(f"| {index} | {a:.1f} | {b:.1f} |")
    boot = first["boot"]
    if boot:
        lines += ["", f"A verification's boot, as its session says (the first one at once): {boot}."]
    lines += [
        "",
        "## Failed verifications leave nothing behind",
        "",
        "After every run above and after each of these, the bench looked for what a verification must not leave: a "
        "process naming the server's data folder (QEMU), a publication (`GET /api/server`), a folder in the cache or "
        "runtime folders, a network namespace that no process was in before the bench started (the verification VM has "
        "no NIC; none is made).",
        "",
        "| verification | outcome | seconds | left behind |",
        "| --- | --- | ---: | --- |",
    ]
    for name, item in failures.items():
        reason = (item["outcome"].get("reason") or "").replace("|", "\\|")
        lines.append(f"| {name} | failed: {reason} | {item['ended'] - item['posted']:.1f} | {item['leftovers']} |")
    lines.append(f"| every passing verification above ({n * 2 * args.runs + 1}) | passed | | nothing |")
    write_results(args.results, lines)


if __name__ == "__main__":
    run_main(main, "verification_bench")
