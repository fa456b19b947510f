"""The Markdown report of a recovery bench run: recovery times and their ratios, where the time goes, the live
migration against `cp`."""
import datetime
import os
import platform
import re
import statistics
import subprocess

from recovery_common import MIB, median_range, write_results
from recovery_guest import MILESTONES
from recovery_processes import allocated
from recovery_runner import METHODS

METHOD_TITLES = {
    "instant": "instant recovery (`lifeboat instant-recover`), no boot profile",
    "profiled": "instant recovery with the boot profile the previous recovery recorded",
    "restore": "(a) `lifeboat restore`, then boot the restored files",
    "raw": "(b) boot the original raw files",
}
# The guest's own account of its read: "LIFEBOAT-GUEST-READ 384 MiB from /dev/vdb, started at 5.12 s of uptime, done at 7.01 s"
READ_LINE = re.compile(r"LIFEBOAT-GUEST-READ (\d+) MiB from (\S+), started at ([0-9.]+) s of uptime, done at ([0-9.]+) s")


def guest_read(result):
    """(seconds, MiB/s) of the guest's own read as its READ line tells, or None for a guest that reads nothing."""
    found = READ_LINE.search(result.get("line") or "")
    if not found:
        return None
    seconds = float(found.group(4)) - float(found.group(3))
    return seconds, int(found.group(1)) / seconds if seconds > 0 else None


def write_report(args, guests, results, migrations_of, copies, load_before, load_after, elapsed):
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    lines = [
        f"# Recovery time and live migration, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{args.command}` ({args.runs} interleaved run{'s' if args.runs > 1 else ''} per guest after one untimed warm-up of each method; "
        f"{elapsed / 60:.1f} minutes from the first backup to the last copy).",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}; load average "
        f"{' '.join(f'{x:.2f}' for x in load_before)} at the start, {' '.join(f'{x:.2f}' for x in load_after)} at the end "
        "(other processes share the cores: read every figure as a range).",
        f"Versions: Lifeboat {args.version}; {qemu}; accelerator {accelerator(guests[0].template[1])}.",
        "The guest (tests/guest) answers when it prints its marker on its serial console, seen by polling the serial log "
        "every 10 ms; every clock starts when the command starts.",
        "",
        "| guest | disks | backed up | its init's mode | answers at |",
        "| --- | --- | --- | --- | --- |",
    ]
    for guest in guests:
        b = guest.backup
        lines.append(f"| {guest.key}: {guest.title} | {' + '.join(f'{os.path.getsize(r) // MIB} MiB' for r in guest.raws)} "
                     f"({sum(allocated(r) for r in guest.raws) // MIB} MiB allocated) | {b['logical'] // MIB} MiB in {b['seconds']:.1f} s, "
                     f"{b['stored'] // MIB} MiB stored | `{guest.mode}` | `{guest.marker}` |")
    lines += [
        "",
        "## Recovery time: command start to a guest that answers (seconds, median [min-max])",
        "",
        "| guest | method | recovery time | of which | ratio to (b) |",
        "| --- | --- | ---: | --- | ---: |",
    ]
    for guest in guests:
        r = results[guest.key]
        seconds = {m: [x["seconds"] for x in r[m]] for m in METHODS}
        raw_median = statistics.median(seconds["raw"])
        lines.append(f"| {guest.describe()} | {METHOD_TITLES['instant']} | {median_range(seconds['instant'])} | command returned after "
                     f"{median_range([x['command'] for x in r['instant']])}; the server's figure {median_range([x['server'] for x in r['instant']])} | "
                     f"{statistics.median(seconds['instant']) / raw_median:.2f} |")
        lines.append(f"| | {METHOD_TITLES['profiled']} | {median_range(seconds['profiled'])} | the server's figure "
                     f"{median_range([x['server'] for x in r['profiled']])} | {statistics.median(seconds['profiled']) / raw_median:.2f} |")
        lines.append(f"| | {METHOD_TITLES['restore']} | {median_range(seconds['restore'])} | the restore "
                     f"{median_range([x['restore'] for x in r['restore']])} | {statistics.median(seconds['restore']) / raw_median:.2f} |")
        lines.append(f"| | {METHOD_TITLES['raw']} | {median_range(seconds['raw'])} | the physical limit | 1.00 |")
    lines += [
        "",
        "Ratios within each run (median of the per-run ratios [min-max]); the goal: instant recovery within 1.3x of (b), "
        "far below (a).",
        "",
        "| guest | instant recovery / (b) raw boot | with a boot profile / (b) | (a) restore + boot / instant recovery | (a) restore + boot / (b) raw boot |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for guest in guests:
        r = results[guest.key]
        pairs = list(zip(r["instant"], r["restore"], r["raw"]))
        profiled = [p["seconds"] / b["seconds"] for p, b in zip(r["profiled"], r["raw"])]
        lines.append(f"| {guest.key} | {median_range([i['seconds'] / b['seconds'] for i, _, b in pairs])} | {median_range(profiled)} | "
                     f"{median_range([a['seconds'] / i['seconds'] for i, a, _ in pairs])} | "
                     f"{median_range([a['seconds'] / b['seconds'] for _, a, b in pairs])} |")

    lines += ["", "What the boot prefetch did in the profiled recoveries (the session's \"Wait for the guest\" step, each run):", ""]
    for guest in guests:
        for n, x in enumerate(results[guest.key]["profiled"], start=1):
            lines.append(f"- {guest.key}, run {n}: {x['prefetch'] or '(no message)'}")

    readers = [g for g in guests if any(guest_read(x) for x in results[g.key]["raw"])]
    if readers:
        lines += [
            "",
            "The guest's own read of its data disk (`dd` of the whole disk, from its READ line: seconds of uptime between "
            "the start and the end of the read, median [min-max]):",
            "",
            "| guest | method | read seconds | MiB/s in the guest |",
            "| --- | --- | ---: | ---: |",
        ]
        for guest in readers:
            for method in METHODS:
                reads = [guest_read(x) for x in results[guest.key][method]]
                reads = [x for x in reads if x]
                lines.append(f"| {guest.key if method == 'instant' else ''} | {METHOD_TITLES[method]} | "
                             f"{median_range([x[0] for x in reads])} | {median_range([x[1] for x in reads], 0)} |")

    lines += [
        "",
        "Where instant recovery's time goes (the session's phases and its longer steps, seconds, median [min-max]; "
        "\"Wait for the guest\" is the boot):",
        "",
        "| guest | phase or step | seconds |",
        "| --- | --- | ---: |",
    ]
    for guest in guests:
        timed = results[guest.key]["instant"]
        first = True
        for phase in ("Initialization", "NfsMapping", "RegisteringAndStarting"):
            lines.append(f"| {guest.key if first else ''} | {phase} | {median_range([x['phases'].get(phase) for x in timed])} |")
            first = False
        names = list(dict.fromkeys(name for x in timed for name in x["steps"]))
        for name in names:
            values = [x["steps"].get(name) for x in timed]
            if any(v is not None and v >= 0.05 for v in values) and not name.startswith("MigratingToProduction"):
                lines.append(f"| | {name} | {median_range(values)} |")

    lines += [
        "",
        "Where each boot's time goes, from the guest's serial console (seconds from the clock's start, median [min-max]): "
        "the boot loader's banner (the firmware is done), the kernel and the initramfs read through the BIOS (one "
        "synchronous disk read at a time), the initramfs's init runs, the guest answers; then the CPU seconds QEMU had "
        "used by then (TCG: mostly the emulated CPU) and, for instant recovery, the server's CPU seconds during the boot.",
        "",
        "| guest | method | loader | kernel read | initrd read | init runs | answers | QEMU CPU s | server CPU s |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for guest in guests:
        for method in METHODS:
            timed = [x for x in results[guest.key][method] if x.get("timeline")]
            if not timed:
                continue
            cells = [median_range([x["timeline"]["milestones"].get(name) for x in timed]) for name, _ in MILESTONES]
            lines.append(f"| {guest.key if method == METHODS[0] else ''} | {METHOD_TITLES[method]} | {' | '.join(cells)} | "
                         f"{median_range([x['seconds'] for x in timed])} | {median_range([x['timeline'].get('qemu_cpu') for x in timed])} | "
                         f"{median_range([x['timeline'].get('server_cpu') for x in timed])} |")

    lines += ["", "Every run (seconds):", "",
              "| guest | run | instant recovery | with a boot profile | (a) restore + boot | (b) raw boot |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for guest in guests:
        r = results[guest.key]
        for n, (i, p, a, b) in enumerate(zip(r["instant"], r["profiled"], r["restore"], r["raw"]), start=1):
            lines.append(f"| {guest.key} | {n} | {i['seconds']:.2f} | {p['seconds']:.2f} | {a['seconds']:.2f} (restore {a['restore']:.2f}) | {b['seconds']:.2f} |")
    lines += [
        "",
        "## Live migration against `cp` (MiB of disk per second, median [min-max])",
        "",
        "The mirror is `lifeboat migrate --method mirror` of the running instant-recovery VM: QEMU's blockdev-mirror from "
        "the NFS datastore to raw files, the VM running all along; its time is the session's migration phase. `cp` copies "
        "the same raw disks one after the other.",
        "",
        "| guest | copy | MiB/s | seconds | allocated after, MiB | mirror / this |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for guest in guests:
        mib = guest.size / MIB
        migrations = migrations_of[guest.key]
        mirror = [mib / m["seconds"] for m in migrations]
        lines.append(f"| {guest.key} | mirror | {median_range(mirror, 0)} | {median_range([m['seconds'] for m in migrations])} "
                     f"(command {median_range([m['command'] for m in migrations])}) | {median_range([m['allocated'] / MIB for m in migrations], 1)} | |")
        for sparse, title in (("auto", "`cp` (sparse: skips the holes)"), ("never", "`cp --sparse=never` (writes every byte)")):
            c = copies[guest.key][sparse]
            speed = [mib / x["seconds"] for x in c]
            synced = [mib / x["synced"] for x in c]
            lines.append(f"| | {title} | {median_range(speed, 0)} ({median_range(synced, 0)} with fsync) | "
                         f"{median_range([x['seconds'] for x in c])} ({median_range([x['synced'] for x in c])}) | "
                         f"{median_range([x['allocated'] / MIB for x in c], 1)} | "
                         f"{median_range([m / x for m, x in zip(mirror, speed)])} ({median_range([m / x for m, x in zip(mirror, synced)])}) |")
    lines += [
        "",
        "`cp` returns with the copy in the page cache; the figures in parentheses add an fsync of the copy.",
        "",
        "Page cache cold for every method: before each run the repository's files and the original disks are evicted with "
        "posix_fadvise(POSIX_FADV_DONTNEED) (no privilege needed; /proc/sys/vm/drop_caches would drop other processes' pages too), "
        "and so are (b)'s copies of the raw disks once written (until 2026-12-03 10:40 they were not: (b) booted from memory).",
    ]
    write_results(args.results, lines)


def accelerator(template):
    args = template or []
    for i, a in enumerate(args[:-1]):
        if a == "-accel":
            return args[i + 1].upper()
    return "unknown"
