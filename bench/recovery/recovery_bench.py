#!/usr/bin/env python3
"""Recovery time of Lifeboat's instant recovery against a full restore and against the raw disks, and live-migration
throughput against cp. run.sh (beside this file) prepares the CLI, the test guest and the port 111 lock, then runs
this. Every figure is wall time on this machine; see README.md for what each one means."""
import os
import shutil
import time

from recovery_common import MIB, BenchError, bench_arguments, log, run_main
from recovery_disks import big_disk, data_disk
from recovery_guest import Guest
from recovery_report import write_report
from recovery_runner import METHODS, Bench


def main():
    parser = bench_arguments()
    parser.add_argument("--read-disk-mib", type=int, default=384)
    parser.add_argument("--big-disk-mib", type=int, default=8192)
    parser.add_argument("--big-disk-data-mib", type=int, default=6144)
    args = parser.parse_args()

    config = os.path.join(args.guest, "guest.json")
    test_raw = os.path.join(args.guest, "guest.raw")
    test_mib = os.path.getsize(test_raw) // MIB
    # At the worst moment: each source disk, its copy in the repository, and one restored, mirrored or copied disk
    # (a mirror or `cp --sparse=never` fills the holes too), plus room for the rest.
    need_mib = max(args.read_disk_mib * 3, 2 * args.big_disk_data_mib + args.big_disk_mib if args.big_disk_mib else 0) + 2048
    free_mib = shutil.disk_usage(args.work).free // MIB
    if free_mib < need_mib:
        raise BenchError(f"{args.work} has {free_mib} MiB free and this run needs about {need_mib} MiB; "
                         "free space, set BENCH_WORK to a folder with room, or ask for a smaller --big-disk-mib")
    guests = [Guest("small", "the test guest", "guest", [test_raw], config, "stay", "LIFEBOAT-GUEST-BOOTED")]
    if args.read_disk_mib > 0:
        log(f"making the data disk: {args.read_disk_mib} MiB of libraries, text and random bytes")
        started = time.monotonic()
        disk = data_disk(os.path.join(args.work, "data.raw"), args.read_disk_mib)
        log(f"made the data disk in {time.monotonic() - started:.1f} s")
        guests.append(Guest("read", f"the test guest reading its {args.read_disk_mib} MiB data disk at boot", "guest-read",
                            [test_raw, disk], config, "read,stay", "LIFEBOAT-GUEST-READ"))
    if args.big_disk_mib > 0:
        if args.big_disk_mib <= test_mib:
            raise BenchError(f"--big-disk-mib {args.big_disk_mib} is not larger than the test guest's {test_mib} MiB disk")
        if not 0 < args.big_disk_data_mib <= args.big_disk_mib - test_mib:
            raise BenchError(f"--big-disk-data-mib must be 1 to {args.big_disk_mib - test_mib} (what the partitions leave), not {args.big_disk_data_mib}")
        log(f"making the large disk: {args.big_disk_mib} MiB, the test guest's partitions then {args.big_disk_data_mib} MiB of random data")
        started = time.monotonic()
        raw = big_disk(test_raw, os.path.join(args.work, "big.raw"), args.big_disk_mib, args.big_disk_data_mib)
        log(f"made the large disk in {time.monotonic() - started:.1f} s")
        guests.append(Guest("big", f"the test guest on a {args.big_disk_mib} MiB disk holding {args.big_disk_data_mib} MiB of data",
                            "guest-big", [raw], config, "stay", "LIFEBOAT-GUEST-BOOTED"))

    bench = Bench(args)
    load_before = os.getloadavg()
    began = time.monotonic()
    results = {g.key: {m: [] for m in METHODS} for g in guests}
    copies = {g.key: {"auto": [], "never": []} for g in guests}
    migrations = {g.key: [] for g in guests}
    try:
        bench.start_server()
        bench.declare_production()
        for guest in guests:
            bench.backup(guest)
        for guest in guests:
            log(f"{guest.title}: warm-up, one untimed run of each method (JIT, page cache, the VM's command line for the boots)")
            bench.instant(guest, "warmup")
            bench.restore(guest, "warmup")
            bench.raw_boot(guest, "warmup")
            for run in range(1, args.runs + 1):
                # Interleaved, and rotated from run to run, so that a slow spell of the shared machine hits every method.
                for method in METHODS[(run - 1) % len(METHODS):] + METHODS[:(run - 1) % len(METHODS)]:
                    # What the previous method wrote is on disk before the next clock starts.
                    os.sync()
                    if method == "instant":
                        result = bench.instant(guest, run)
                    elif method == "profiled":
                        result = bench.instant(guest, run, profiled=True)
                    elif method == "restore":
                        result = bench.restore(guest, run)
                    else:
                        result = bench.raw_boot(guest, run)
                    results[guest.key][method].append(result)
                    log(f"{guest.key} run {run}: {method}: the guest answered after {result['seconds']:.2f} s ({result['line']})")
            # The migrations and the copies write whole disks: they run after the timed boots, never between them,
            # so that no boot's clock runs while their writes are still being flushed.
            for run in range(1, args.runs + 1):
                os.sync()
                production = os.path.join(bench.production, f"{guest.key}-{run}")
                migrations[guest.key].append(bench.instant(guest, f"migrate-{run}", migrate_to=production)["migration"])
                shutil.rmtree(production, ignore_errors=True)
                for sparse in copies[guest.key]:
                    copies[guest.key][sparse].append(bench.copy(guest, sparse))
            os.sync()
    finally:
        bench.cleanup()
    load_after = os.getloadavg()
    write_report(args, guests, results, migrations, copies, load_before, load_after, time.monotonic() - began)


if __name__ == "__main__":
    run_main(main, "recovery_bench")
