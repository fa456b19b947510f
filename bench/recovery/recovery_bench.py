#!/usr/bin/env python3
"""Recovery time of Lifeboat's instant recovery against a full restore and against the raw disk, and live-migration
throughput against cp. run.sh (beside this file) prepares the CLI, the test guest and the port 111 lock, then runs
this. Every figure is wall time on this machine; see README.md for what each one means."""
import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

BOOTED = b"LIFEBOAT-GUEST-BOOTED"
MODE = "stay"  # the guest boots, prints its markers, then ticks until it is powered off
GUEST_TIMEOUT = 240.0
POLL = 0.01
METHODS = ("instant", "restore", "raw")
METHOD_TITLES = {
    "instant": "instant recovery (`lifeboat instant-recover`)",
    "restore": "(a) `lifeboat restore`, then boot the restored file",
    "raw": "(b) boot the original raw file",
}


def log(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


class Guest:
    """A VM to recover: the test guest, or the test guest's disk with incompressible data after its partitions."""

    def __init__(self, key, title, vm, raw, config):
        self.key, self.title, self.vm, self.raw, self.config = key, title, vm, raw, config
        self.size = os.path.getsize(raw)
        self.restore_point = None


class Bench:
    def __init__(self, args):
        self.cli = ["dotnet", args.cli]
        # The server itself (beside the CLI), so that SIGTERM at the end reaches it directly.
        self.server_program = ["dotnet", os.path.join(os.path.dirname(args.cli), "lifeboat-server.dll")]
        self.work = args.work
        self.runs = args.runs
        self.data = os.path.join(self.work, "server")
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.env = dict(os.environ, LIFEBOAT_SERVER=self.address)
        self.server = None
        self.template = None
        self.vm_folders = []

    # --- the Lifeboat server and CLI -------------------------------------------------------------------------
    def start_server(self):
        self.server_log = open(os.path.join(self.work, "server.log"), "wb")
        self.server = subprocess.Popen(self.server_program + ["--data", self.data, "--listen", self.address],
                                       stdout=self.server_log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise BenchError(f"the Lifeboat server exited with {self.server.returncode}; see {self.server_log.name}")
            try:
                self.api("api/server")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        raise BenchError(f"the Lifeboat server did not answer on {self.address} within 90 s; see {self.server_log.name}")

    def stop_server(self):
        if self.server is None or self.server.poll() is not None:
            return
        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(30)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()

    def api(self, path):
        with urllib.request.urlopen(f"http://{self.address}/{path}", timeout=30) as answer:
            return json.load(answer)

    def lifeboat(self, *arguments):
        done = subprocess.run(self.cli + list(arguments), env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"lifeboat {' '.join(arguments)} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def backup(self, guest):
        out = self.lifeboat("backup", "--repo", os.path.join(self.data, "repository"), "--vm", guest.vm,
                            "--disk", guest.raw, "--vm-config", guest.config, "--json")
        guest.restore_point = json.loads(out)["restorePointId"]
        log(f"backed up {guest.title} as restore point {guest.restore_point}")

    # --- the three ways to a guest that answers ---------------------------------------------------------------
    def instant(self, guest, run, migrate_to=None):
        """Command start to the guest's first marker; the session's VM is then migrated (when asked) and powered off."""
        run_root = os.path.join(self.data, "run")
        before = set(os.listdir(run_root)) if os.path.isdir(run_root) else set()
        start = time.monotonic()
        command = subprocess.Popen(
            self.cli + ["instant-recover", "--vm", guest.vm, "--restore-point", guest.restore_point,
                        "--ready-when", "console:LIFEBOAT-GUEST-BOOTED", "--fw-cfg", f"opt/lifeboat/mode={MODE}", "--json"],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        folder = None
        while folder is None:
            if time.monotonic() - start > GUEST_TIMEOUT or command.poll() not in (None, 0):
                command.kill()
                raise BenchError(f"instant recovery made no VM folder in {run_root}: {command.communicate()[1].strip()}")
            fresh = set(os.listdir(run_root)) - before if os.path.isdir(run_root) else set()
            folder = os.path.join(run_root, fresh.pop()) if fresh else None
            if folder is None:
                time.sleep(POLL)
        marker = wait_for_marker(os.path.join(folder, "serial.log"), start)
        out, err = command.communicate(timeout=GUEST_TIMEOUT)
        returned = time.monotonic() - start
        if command.returncode != 0:
            raise BenchError(f"lifeboat instant-recover failed ({command.returncode}): {err.strip() or out.strip()}")
        outcome = json.loads(out)
        session = outcome["sessionId"]
        if self.template is None:
            with open(os.path.join(folder, "vm.json")) as f:
                self.template = json.load(f)["arguments"]
        result = {"seconds": marker, "command": returned, "server": outcome.get("serverRecoverySeconds"), "session": session}
        if migrate_to is not None:
            result["migration"] = self.migrate(session, migrate_to)
            power_off(os.path.join(folder, "qemu.pid"))  # finalized: the VM is production's, `lifeboat stop` leaves it
        else:
            self.lifeboat("stop", session)
        return result

    def migrate(self, session, target):
        start = time.monotonic()
        self.lifeboat("migrate", session, "--to", target, "--method", "mirror", "--format", "raw", "--json")
        command = time.monotonic() - start
        view = self.api(f"api/sessions/{session}")
        if view["state"] != "Finalized":
            raise BenchError(f"session {session} is {view['state']} after lifeboat migrate: {view.get('migrationError')}")
        phase = next(p["durationSeconds"] for p in view["phases"] if p["phase"] == "MigratingToProduction")
        disk = view["productionDisks"][0]
        return {"command": command, "seconds": phase, "allocated": allocated(disk)}

    def restore(self, guest, run):
        """`lifeboat restore` of the restore point into a fresh folder, then a boot of the restored file."""
        target = os.path.join(self.work, f"restored-{guest.key}-{run}")
        start = time.monotonic()
        out = self.lifeboat("restore", "--repo", os.path.join(self.data, "repository"), "--restore-point", guest.restore_point,
                            "--to", target, "--json")
        restored = time.monotonic() - start
        disk = json.loads(out)["files"][0]
        marker = self.boot(disk, f"restore-{guest.key}-{run}", start)
        shutil.rmtree(target)
        return {"seconds": marker, "restore": restored}

    def raw_boot(self, guest, run):
        """A local copy of the raw disk that was backed up (copied before the clock starts: the guest writes to it)."""
        disk = os.path.join(self.work, f"raw-{guest.key}-{run}.raw")
        subprocess.run(["cp", "--sparse=always", guest.raw, disk], check=True)
        os.sync()
        start = time.monotonic()
        marker = self.boot(disk, f"raw-{guest.key}-{run}", start)
        os.remove(disk)
        return {"seconds": marker}

    def boot(self, disk, name, start):
        """QEMU with the instant-recovery VM's own arguments, the disk being a local raw file instead of nfs://."""
        folder = os.path.join(self.work, "vm", name)
        os.makedirs(folder)
        self.vm_folders.append(folder)
        subprocess.run(["qemu-system-x86_64"] + self.arguments(disk, folder), check=True)
        try:
            return wait_for_marker(os.path.join(folder, "serial.log"), start)
        finally:
            power_off(os.path.join(folder, "qemu.pid"))

    def arguments(self, disk, folder):
        if self.template is None:
            raise BenchError("no instant-recovery VM has run yet, so there is no command line to boot the same VM with")
        args = list(self.template)
        replaced = set()
        for i in range(len(args) - 1):
            option, value = args[i], args[i + 1]
            if option == "-pidfile":
                args[i + 1] = os.path.join(folder, "qemu.pid")
            elif option == "-qmp":
                args[i + 1] = f"unix:{os.path.join(folder, 'qmp.sock')},server=on,wait=off"
            elif option == "-chardev" and value.startswith("file,id=serial0,"):
                args[i + 1] = f"file,id=serial0,path={os.path.join(folder, 'serial.log')}"
            elif option == "-D":
                args[i + 1] = os.path.join(folder, "qemu.log")
            elif option == "-blockdev" and json.loads(value).get("node-name") == "disk0":
                node = json.loads(value)
                node["file"] = {"driver": "file", "filename": disk, "node-name": "disk0-file"}
                args[i + 1] = json.dumps(node, separators=(",", ":"))
            else:
                continue
            replaced.add(option)
        missing = {"-pidfile", "-qmp", "-chardev", "-D", "-blockdev"} - replaced
        if missing:
            raise BenchError(f"the instant-recovery VM's command line has no {', '.join(sorted(missing))} to replace: {args}")
        return args

    def copy(self, guest, sparse):
        target = os.path.join(self.work, f"cp-{guest.key}.raw")
        os.sync()
        start = time.monotonic()
        subprocess.run(["cp", f"--sparse={sparse}", guest.raw, target], check=True)
        seconds = time.monotonic() - start
        descriptor = os.open(target, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        synced = time.monotonic() - start
        size = allocated(target)
        os.remove(target)
        return {"seconds": seconds, "synced": synced, "allocated": size}

    def cleanup(self):
        for folder in self.vm_folders:
            power_off(os.path.join(folder, "qemu.pid"))
        run_root = os.path.join(self.data, "run")
        if os.path.isdir(run_root):
            for name in os.listdir(run_root):
                power_off(os.path.join(run_root, name, "qemu.pid"))
        self.stop_server()


def wait_for_marker(path, start):
    """Seconds from start until the serial log holds the marker, polled every 10 ms."""
    seen = b""
    offset = 0
    while True:
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b""
        now = time.monotonic()
        if chunk:
            offset += len(chunk)
            seen = (seen + chunk)[-4096:]
            if BOOTED in seen:
                return now - start
        if now - start > GUEST_TIMEOUT:
            raise BenchError(f"the guest printed no {BOOTED.decode()} within {GUEST_TIMEOUT:.0f} s; see {path}")
        time.sleep(POLL)


def power_off(pidfile):
    """SIGTERM to the QEMU that wrote pidfile (it flushes and exits), SIGKILL if it lingers."""
    try:
        with open(pidfile) as f:
            pid = int(f.read(64).strip())
    except (FileNotFoundError, ValueError):
        return
    if not is_qemu_for(pid, pidfile):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while is_qemu_for(pid, pidfile):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)


def is_qemu_for(pid, pidfile):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return pidfile.encode() in f.read().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return False


def allocated(path):
    return os.stat(path).st_blocks * 512


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median_range(values, digits=2):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    text = f"{statistics.median(values):.{digits}f}"
    return text if len(values) == 1 else f"{text} [{min(values):.{digits}f}-{max(values):.{digits}f}]"


def big_disk(test_raw, path, extra_bytes):
    """The test guest's disk followed by incompressible data no partition covers: the guest boots and reads the same,
    while a backup, a restore or a copy has every byte to carry, as with a real VM's large disk."""
    subprocess.run(["cp", "--sparse=always", test_raw, path], check=True)
    chunk = 1 << 20
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(test_raw))
        for _ in range(extra_bytes // chunk):
            f.write(os.urandom(chunk))
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--guest", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big-disk-mib", type=int, default=2048)
    parser.add_argument("--results", required=True)
    parser.add_argument("--command", required=True)
    parser.add_argument("--version", required=True)
    args = parser.parse_args()

    config = os.path.join(args.guest, "guest.json")
    test_raw = os.path.join(args.guest, "guest.raw")
    guests = [Guest("small", "the test guest", "guest", test_raw, config)]
    if args.big_disk_mib > 0:
        extra = args.big_disk_mib * (1 << 20) - os.path.getsize(test_raw)
        if extra <= 0:
            raise BenchError(f"--big-disk-mib {args.big_disk_mib} is not larger than the test guest's disk")
        log(f"making the large disk: the test guest's disk plus {extra >> 20} MiB of random data")
        raw = big_disk(test_raw, os.path.join(args.work, "big.raw"), extra)
        guests.append(Guest("big", f"the test guest on a {args.big_disk_mib} MiB disk full of data", "guest-big", raw, config))

    bench = Bench(args)
    load_before = os.getloadavg()
    results = {g.key: {m: [] for m in METHODS} for g in guests}
    copies = {g.key: {"auto": [], "never": []} for g in guests}
    try:
        bench.start_server()
        for guest in guests:
            bench.backup(guest)
        for guest in guests:
            log(f"{guest.title}: warm-up, one untimed run of each method (JIT, page cache, the VM's command line for the boots)")
            bench.instant(guest, "warmup")
            bench.restore(guest, "warmup")
            bench.raw_boot(guest, "warmup")
            for run in range(1, args.runs + 1):
                # Interleaved, and rotated from run to run, so that a slow spell of the shared machine hits every method.
                for method in METHODS[run - 1:] + METHODS[:run - 1]:
                    # What the previous method wrote is on disk before the next clock starts.
                    os.sync()
                    if method == "instant":
                        production = os.path.join(args.work, f"production-{guest.key}-{run}")
                        result = bench.instant(guest, run, migrate_to=production)
                        shutil.rmtree(production, ignore_errors=True)
                    elif method == "restore":
                        result = bench.restore(guest, run)
                    else:
                        result = bench.raw_boot(guest, run)
                    results[guest.key][method].append(result)
                    log(f"{guest.key} run {run}: {method}: the guest answered after {result['seconds']:.2f} s")
                for sparse in copies[guest.key]:
                    copies[guest.key][sparse].append(bench.copy(guest, sparse))
    finally:
        bench.cleanup()
    load_after = os.getloadavg()
    write_report(args, bench, guests, results, copies, load_before, load_after)


def write_report(args, bench, guests, results, copies, load_before, load_after):
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    lines = [
        f"# Recovery time and live migration, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{args.command}` ({args.runs} interleaved runs per guest after one untimed warm-up of each method).",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}; load average "
        f"{' '.join(f'{x:.2f}' for x in load_before)} at the start, {' '.join(f'{x:.2f}' for x in load_after)} at the end "
        "(other processes share the cores: read every figure as a range).",
        f"Versions: Lifeboat {args.version}; {qemu}; accelerator {accelerator(bench.template)}.",
        f"The guest (tests/guest) answers when it prints `LIFEBOAT-GUEST-BOOTED` on its serial console (mode `{MODE}`), "
        "seen by polling the serial log every 10 ms; every clock starts when the command starts.",
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
        name = f"{guest.title} ({guest.size >> 20} MiB disk, {allocated(guest.raw) >> 20} MiB allocated)"
        lines.append(f"| {name} | {METHOD_TITLES['instant']} | {median_range(seconds['instant'])} | command returned after "
                     f"{median_range([x['command'] for x in r['instant']])}; the server's figure {median_range([x['server'] for x in r['instant']])} | "
                     f"{statistics.median(seconds['instant']) / raw_median:.2f} |")
        lines.append(f"| | {METHOD_TITLES['restore']} | {median_range(seconds['restore'])} | the restore "
                     f"{median_range([x['restore'] for x in r['restore']])} | {statistics.median(seconds['restore']) / raw_median:.2f} |")
        lines.append(f"| | {METHOD_TITLES['raw']} | {median_range(seconds['raw'])} | the physical limit | 1.00 |")
    lines += [
        "",
        "Ratios within each run (median of the per-run ratios [min-max]); the goal: instant recovery within 1.3x of (b), "
        "far below (a).",
        "",
        "| guest | instant recovery / (b) raw boot | (a) restore + boot / instant recovery |",
        "| --- | ---: | ---: |",
    ]
    for guest in guests:
        r = results[guest.key]
        pairs = list(zip(r["instant"], r["restore"], r["raw"]))
        lines.append(f"| {guest.title} | {median_range([i['seconds'] / b['seconds'] for i, _, b in pairs])} | "
                     f"{median_range([a['seconds'] / i['seconds'] for i, a, _ in pairs])} |")
    lines += ["", "Every run (seconds):", "", "| guest | run | instant recovery | (a) restore + boot | (b) raw boot |",
              "| --- | ---: | ---: | ---: | ---: |"]
    for guest in guests:
        r = results[guest.key]
        for n, (i, a, b) in enumerate(zip(r["instant"], r["restore"], r["raw"]), start=1):
            lines.append(f"| {guest.key} | {n} | {i['seconds']:.2f} | {a['seconds']:.2f} | {b['seconds']:.2f} |")
    lines += [
        "",
        "## Live migration against `cp` (MiB of disk per second, median [min-max])",
        "",
        "The mirror is `lifeboat migrate --method mirror` of the running instant-recovery VM: QEMU's blockdev-mirror from "
        "the NFS datastore to a raw file, the VM running all along; its time is the session's migration phase.",
        "",
        "| guest | copy | MiB/s | seconds | allocated after, MiB | mirror / this |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for guest in guests:
        mib = guest.size / (1 << 20)
        migrations = [x["migration"] for x in results[guest.key]["instant"]]
        mirror = [mib / m["seconds"] for m in migrations]
        lines.append(f"| {guest.title} | mirror | {median_range(mirror, 0)} | {median_range([m['seconds'] for m in migrations])} "
                     f"(command {median_range([m['command'] for m in migrations])}) | {median_range([m['allocated'] / (1 << 20) for m in migrations], 1)} | |")
        for sparse, title in (("auto", "`cp` (sparse: skips the holes)"), ("never", "`cp --sparse=never` (writes every byte)")):
            c = copies[guest.key][sparse]
            speed = [mib / x["seconds"] for x in c]
            synced = [mib / x["synced"] for x in c]
            lines.append(f"| | {title} | {median_range(speed, 0)} ({median_range(synced, 0)} with fsync) | "
                         f"{median_range([x['seconds'] for x in c])} ({median_range([x['synced'] for x in c])}) | "
                         f"{median_range([x['allocated'] / (1 << 20) for x in c], 1)} | "
                         f"{median_range([m / x for m, x in zip(mirror, speed)])} ({median_range([m / x for m, x in zip(mirror, synced)])}) |")
    lines += [
        "",
        "`cp` returns with the copy in the page cache; the figures in parentheses add an fsync of the copy.",
        "",
        "Page cache warm for every method (the disks and the repository were read just before); nothing is dropped, "
        "since other processes share the machine.",
    ]
    text = "\n".join(lines) + "\n"
    with open(args.results, "w") as f:
        f.write(text)
    print(text)


def accelerator(template):
    args = template or []
    for i, a in enumerate(args[:-1]):
        if a == "-accel":
            return args[i + 1].upper()
    return "unknown"


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print(f"recovery_bench: {e}", file=sys.stderr)
        sys.exit(1)
