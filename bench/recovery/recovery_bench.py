#!/usr/bin/env python3
"""Recovery time of Lifeboat's instant recovery against a full restore and against the raw disks, and live-migration
throughput against cp. run.sh (beside this file) prepares the CLI, the test guest and the port 111 lock, then runs
this. Every figure is wall time on this machine; see README.md for what each one means."""
import argparse
import datetime
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

GUEST_TIMEOUT = 300.0
POLL = 0.01
MIB = 1 << 20
METHODS = ("instant", "profiled", "restore", "raw")
METHOD_TITLES = {
    "instant": "instant recovery (`lifeboat instant-recover`), no boot profile",
    "profiled": "instant recovery with the boot profile the previous recovery recorded",
    "restore": "(a) `lifeboat restore`, then boot the restored files",
    "raw": "(b) boot the original raw files",
}
# The guest's own account of its read: "LIFEBOAT-GUEST-READ 384 MiB from /dev/vdb, started at 5.12 s of uptime, done at 7.01 s"
READ_LINE = re.compile(r"LIFEBOAT-GUEST-READ (\d+) MiB from (\S+), started at ([0-9.]+) s of uptime, done at ([0-9.]+) s")


def log(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


class Guest:
    """A VM to recover: its disks (raw files, in the VM's order), the mode its init runs in, and the console marker
    that says it answers."""

    def __init__(self, key, title, vm, raws, config, mode, marker):
        self.key, self.title, self.vm, self.raws, self.config = key, title, vm, raws, config
        self.mode, self.marker = mode, marker
        self.size = sum(os.path.getsize(r) for r in raws)
        self.restore_point = None
        self.backup = None
        # The QEMU arguments of this guest's instant-recovery VM (its disks, its fw_cfg mode): (a) and (b) boot with
        # the same ones, only the disks swapped for local raw files.
        self.template = None

    def describe(self):
        disks = " + ".join(f"{os.path.getsize(r) // MIB}" for r in self.raws)
        allocated_mib = sum(allocated(r) for r in self.raws) // MIB
        return f"{self.title} ({disks} MiB disk{'s' if len(self.raws) > 1 else ''}, {allocated_mib} MiB allocated)"


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
        # The CLI signs in with the token the server writes into its data folder at its first start.
        self.env = dict(os.environ, LIFEBOAT_SERVER=self.address, LIFEBOAT_DATA=self.data)
        self.server = None
        self.vm_folders = []

    # --- the Lifeboat server and CLI -------------------------------------------------------------------------
    def start_server(self, *extra):
        self.server_log = open(os.path.join(self.work, "server.log"), "wb")
        self.server = subprocess.Popen(self.server_program + ["--data", self.data, "--listen", self.address, *extra],
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

    def request(self, path, method="GET", body=None, headers=None):
        """A request to the server's REST API with the admin token its first start wrote (read again until it exists)."""
        token_file = os.path.join(self.data, "api-token")
        token = open(token_file).read().strip() if os.path.exists(token_file) else ""
        return urllib.request.Request(f"http://{self.address}/{path}", data=body, method=method,
                                      headers={"Authorization": f"Bearer {token}", **(headers or {})})

    def api(self, path):
        with urllib.request.urlopen(self.request(path), timeout=30) as answer:
            return json.load(answer)

    def nfs_reads(self):
        """NFS READ calls answered so far: (count, seconds spent answering them, bytes), from the server's /metrics."""
        with urllib.request.urlopen(self.request("metrics"), timeout=30) as answer:
            text = answer.read().decode()
        found = {}
        for name in ("lifeboat_nfs_operation_duration_seconds_count", "lifeboat_nfs_operation_duration_seconds_sum"):
            match = re.search(rf'^{name}{{[^}}]*procedure="READ"[^}}]*}} ([0-9.e+-]+)$', text, re.M)
            found[name] = float(match.group(1)) if match else 0.0
        read_bytes = re.search(r"^lifeboat_nfs_read_bytes_total(?:{[^}]*})? ([0-9.e+-]+)$", text, re.M)
        return (found["lifeboat_nfs_operation_duration_seconds_count"], found["lifeboat_nfs_operation_duration_seconds_sum"],
                float(read_bytes.group(1)) if read_bytes else 0.0)

    def post(self, path, body=None):
        request = self.request(path, "POST", json.dumps(body).encode() if body is not None else b"", {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
            return json.loads(text) if text else None

    def lifeboat(self, *arguments):
        done = subprocess.run(self.cli + list(arguments), env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"lifeboat {' '.join(arguments)} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def backup(self, guest):
        arguments = ["backup", "--repo", os.path.join(self.data, "repository"), "--vm", guest.vm]
        for raw in guest.raws:
            arguments += ["--disk", raw]
        start = time.monotonic()
        out = json.loads(self.lifeboat(*arguments, "--vm-config", guest.config, "--json"))
        guest.restore_point = out["restorePointId"]
        guest.backup = {"seconds": time.monotonic() - start, "logical": out["logicalBytes"], "stored": out["storedBytes"]}
        log(f"backed up {guest.title} as restore point {guest.restore_point}: {out['logicalBytes'] // MIB} MiB of disks, "
            f"{out['storedBytes'] // MIB} MiB stored, in {guest.backup['seconds']:.1f} s")

    # --- the three ways to a guest that answers ---------------------------------------------------------------
    def forget_profile(self, guest):
        request = self.request(f"api/boot-profiles/{guest.vm}", "DELETE")
        try:
            urllib.request.urlopen(request, timeout=30).close()
        except urllib.error.HTTPError as e:
            if e.code != 404:
                raise

    def instant(self, guest, run, migrate_to=None, profiled=False):
        """Command start to the guest's marker; the session's VM is then migrated (when asked) and powered off.
        Without `profiled` the VM's boot profile is forgotten first, so the boot gets no prefetch (it records a new one)."""
        if not profiled:
            self.forget_profile(guest)
        drop_page_cache([os.path.join(self.data, "repository")] + guest.raws)
        run_root = os.path.join(self.data, "run")
        before = set(os.listdir(run_root)) if os.path.isdir(run_root) else set()
        cli_cpu = children_cpu()
        start = time.monotonic()
        command = subprocess.Popen(
            self.cli + ["instant-recover", "--vm", guest.vm, "--restore-point", guest.restore_point,
                        "--ready-when", f"console:{guest.marker}", "--fw-cfg", f"opt/lifeboat/mode={guest.mode}", "--json"],
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
        def failed():
            if command.poll() in (None, 0):
                return None
            return f"lifeboat instant-recover failed ({command.returncode}): {command.communicate()[1].strip()}"
        timeline = {}
        server_cpu = cpu_seconds(self.server.pid)
        server_threads = thread_cpu(self.server.pid)
        reads = self.nfs_reads()
        marker, line = wait_for_marker(os.path.join(folder, "serial.log"), start, guest.marker, failed, timeline)
        timeline["nfs_reads"] = [b - a for a, b in zip(reads, self.nfs_reads())]
        timeline["server_cpu"] = cpu_seconds(self.server.pid) - server_cpu
        timeline["server_threads"] = thread_cpu_delta(server_threads, thread_cpu(self.server.pid))
        out, err = command.communicate(timeout=GUEST_TIMEOUT)
        timeline["cli_cpu"] = children_cpu() - cli_cpu
        returned = time.monotonic() - start
        if command.returncode != 0:
            raise BenchError(f"lifeboat instant-recover failed ({command.returncode}): {err.strip() or out.strip()}")
        outcome = json.loads(out)
        session = outcome["sessionId"]
        if guest.template is None:
            with open(os.path.join(folder, "vm.json")) as f:
                guest.template = (folder, json.load(f)["arguments"])
        view = self.api(f"api/sessions/{session}")
        phases = {p["phase"]: p["durationSeconds"] for p in view["phases"]}
        steps = {f"{s['phase']}: {s['name']}": s.get("durationSeconds") for s in view["steps"]}
        result = {"seconds": marker, "command": returned, "server": outcome.get("serverRecoverySeconds"), "session": session,
                  "line": line, "phases": phases, "steps": steps, "timeline": timeline,
                  "prefetch": next((s.get("message") for s in view["steps"] if s["name"] == "Wait for the guest"), "")}
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
        return {"command": command, "seconds": phase, "allocated": sum(allocated(d) for d in view["productionDisks"]),
                "disks": len(view["productionDisks"])}

    def restore(self, guest, run):
        """`lifeboat restore` of the restore point into a fresh folder, then a boot of the restored files."""
        drop_page_cache([os.path.join(self.data, "repository")] + guest.raws)
        target = os.path.join(self.work, f"restored-{guest.key}-{run}")
        start = time.monotonic()
        out = self.lifeboat("restore", "--repo", os.path.join(self.data, "repository"), "--restore-point", guest.restore_point,
                            "--to", target, "--json")
        restored = time.monotonic() - start
        disks = json.loads(out)["files"]
        if len(disks) != len(guest.raws):
            raise BenchError(f"lifeboat restore wrote {len(disks)} files for {guest.title}, which has {len(guest.raws)} disks: {disks}")
        timeline = {}
        marker, line = self.boot(guest, disks, f"restore-{guest.key}-{run}", start, timeline)
        shutil.rmtree(target)
        return {"seconds": marker, "restore": restored, "line": line, "timeline": timeline}

    def raw_boot(self, guest, run):
        """Local copies of the raw disks that were backed up (copied before the clock starts: the guest writes to them)."""
        drop_page_cache([os.path.join(self.data, "repository")] + guest.raws)
        disks = []
        for index, raw in enumerate(guest.raws):
            disk = os.path.join(self.work, f"raw-{guest.key}-{run}-disk{index}.raw")
            subprocess.run(["cp", "--sparse=always", raw, disk], check=True)
            disks.append(disk)
        # The copies were just written through the page cache: out of it they go too, or (b) would boot from memory.
        drop_page_cache(disks)
        start = time.monotonic()
        timeline = {}
        marker, line = self.boot(guest, disks, f"raw-{guest.key}-{run}", start, timeline)
        for disk in disks:
            os.remove(disk)
        return {"seconds": marker, "line": line, "timeline": timeline}

    def boot(self, guest, disks, name, start, timeline=None):
        """QEMU with the guest's instant-recovery VM's own arguments, the disks being local raw files instead of nfs://."""
        folder = os.path.join(self.work, "vm", name)
        os.makedirs(folder)
        self.vm_folders.append(folder)
        subprocess.run(["qemu-system-x86_64"] + arguments(guest, disks, folder), check=True)
        try:
            pidfile = os.path.join(folder, "qemu.pid")

            def failed():
                if os.path.exists(pidfile) and is_qemu_for(read_pid(pidfile), pidfile):
                    return None
                return f"QEMU exited before the guest printed {guest.marker}; see {folder}"
            return wait_for_marker(os.path.join(folder, "serial.log"), start, guest.marker, failed, timeline)
        finally:
            power_off(os.path.join(folder, "qemu.pid"))

    def copy(self, guest, sparse):
        targets = [os.path.join(self.work, f"cp-{guest.key}-disk{i}.raw") for i in range(len(guest.raws))]
        os.sync()
        start = time.monotonic()
        for raw, target in zip(guest.raws, targets):
            subprocess.run(["cp", f"--sparse={sparse}", raw, target], check=True)
        seconds = time.monotonic() - start
        for target in targets:
            descriptor = os.open(target, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        synced = time.monotonic() - start
        size = sum(allocated(t) for t in targets)
        for target in targets:
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


def drop_page_cache(paths):
    """Evicts the files' clean pages (posix_fadvise DONTNEED: no privilege needed, unlike /proc/sys/vm/drop_caches),
    so every method starts from a cold page cache for what it reads."""
    os.sync()
    for root in paths:
        files = [root] if os.path.isfile(root) else [os.path.join(d, f) for d, _, names in os.walk(root) for f in names]
        for name in files:
            try:
                fd = os.open(name, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def arguments(guest, disks, folder):
    """The guest's instant-recovery QEMU arguments with this VM's own folder for every file and socket the session's
    runtime folder held (pid file, monitor, console, log, agent channel), and disk N (node diskN) a local raw file."""
    if guest.template is None:
        raise BenchError(f"no instant recovery of {guest.title} has run yet, so there is no command line to boot the same VM with")
    runtime, template = guest.template
    args = [a.replace(runtime + "/", folder + "/") for a in template]
    nodes = {f"disk{i}": disk for i, disk in enumerate(disks)}
    replaced = set()
    for i in range(len(args) - 1):
        if args[i] == "-blockdev":
            node = json.loads(args[i + 1])
            name = node.get("node-name")
            if name not in nodes:
                raise BenchError(f"the instant-recovery VM of {guest.title} has a disk {name} beyond the {len(disks)} to boot: {args}")
            node["file"] = {"driver": "file", "filename": nodes[name], "node-name": f"{name}-file"}
            args[i + 1] = json.dumps(node, separators=(",", ":"))
            replaced.add(name)
    missing = set(nodes) - replaced
    if missing or any(runtime in a for a in args) or os.path.join(folder, "qemu.pid") not in args:
        raise BenchError(f"the instant-recovery VM's command line has no {', '.join(sorted(missing)) or 'pid file in its folder'} "
                         f"to replace, or names {runtime} otherwise: {args}")
    return args


# Where a boot of the test guest is, from its serial console: the boot loader printed its banner (the firmware is
# done), it loaded the kernel, then the initramfs (both through the BIOS, one disk read at a time), the kernel runs
# the initramfs's init.
MILESTONES = (("loader", b"SYSLINUX"), ("kernel read", b"vmlinuz... ok"), ("initrd read", b"initrd.img...ok"),
              ("init runs", b"lifeboat-initramfs"))


def wait_for_marker(path, start, marker, failed, timeline=None):
    """Seconds from start until the serial log holds the marker (polled every 10 ms), and the marker's whole line;
    failed() says why the wait is over when the VM or the command is gone. A timeline dict, when given, gets the
    seconds of each of MILESTONES and the CPU seconds of the QEMU beside the log when the marker appeared."""
    wanted = marker.encode()
    seen = b""
    offset = 0
    found = None
    reached = timeline.setdefault("milestones", {}) if timeline is not None else {}
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
            seen = (seen + chunk)[-8192:]
            if timeline is not None:
                for name, text in MILESTONES:
                    if name not in reached and text in seen:
                        reached[name] = now - start
            if found is None and wanted in seen:
                found = now - start
                if timeline is not None:
                    timeline["qemu_cpu"] = cpu_seconds(read_pid(os.path.join(os.path.dirname(path), "qemu.pid")))
            # The clock stopped at the marker; the rest of its line (the guest's own figures) follows at once.
            if found is not None:
                rest = seen[seen.rfind(wanted):]
                if b"\n" in rest:
                    return found, rest.split(b"\n", 1)[0].decode(errors="replace").strip()
        if found is not None and now - start > found + 5:
            return found, seen[seen.rfind(wanted):].decode(errors="replace").strip()
        if now - start > GUEST_TIMEOUT:
            raise BenchError(f"the guest printed no {marker} within {GUEST_TIMEOUT:.0f} s; see {path}")
        if found is None and int(now * 10) != int((now - POLL) * 10):  # ten times a second
            reason = failed()
            if reason is not None:
                raise BenchError(f"{reason}; the guest's console is {path}")
        time.sleep(POLL)


def cpu_seconds(pid):
    """User and system CPU seconds a process has used so far; None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, TypeError):
        return None


def thread_cpu(pid):
    """CPU seconds by thread name (the runtime names its threads: ".NET TP Worker", ".NET Tiered Com", ...) of a
    process so far; threads of one name are summed, so a delta of two calls says what kind of work took the CPU."""
    by_name = {}
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return by_name
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        by_name[name] = by_name.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return by_name


def thread_cpu_delta(before, after):
    """after - before by thread name, the ones that used any CPU, largest first."""
    delta = {name: round(after[name] - before.get(name, 0.0), 2) for name in after}
    return dict(sorted(((n, d) for n, d in delta.items() if d > 0), key=lambda item: -item[1]))


def children_cpu():
    """CPU seconds of this process's children that have ended (the CLI commands it ran)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def read_pid(pidfile):
    try:
        with open(pidfile) as f:
            return int(f.read(64).strip())
    except (FileNotFoundError, ValueError):
        return None


def power_off(pidfile):
    """SIGTERM to the QEMU that wrote pidfile (it flushes and exits), SIGKILL if it lingers."""
    pid = read_pid(pidfile)
    if pid is None or not is_qemu_for(pid, pidfile):
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


def big_disk(test_raw, path, size_mib, data_mib):
    """The test guest's disk grown to size_mib, with data_mib of incompressible data spread over what no partition
    covers (a run of data then a hole in every 64 MiB, like a file system that is partly used): the guest boots and
    reads the same, while a backup, a restore, a mirror or a copy has every byte of data to carry."""
    subprocess.run(["cp", "--sparse=always", test_raw, path], check=True)
    start_mib = os.path.getsize(test_raw) // MIB
    area = size_mib - start_mib
    extent = 64
    with open(path, "r+b") as f:
        f.truncate(size_mib * MIB)
        written = 0
        for first in range(start_mib, size_mib, extent):
            length = min(extent, size_mib - first)
            # Data up to the share this extent should hold so far, so the runs are spread evenly and add up exactly.
            target = round(data_mib * (first - start_mib + length) / area)
            f.seek(first * MIB)
            for _ in range(max(0, min(length, target - written))):
                f.write(os.urandom(MIB))
                written += 1
    return path


def file_stream(roots):
    """The bytes of every regular file under roots, in a fixed order, over and over."""
    while True:
        any_file = False
        for root in roots:
            for folder, subfolders, files in os.walk(root):
                subfolders.sort()
                for name in sorted(files):
                    path = os.path.join(folder, name)
                    if os.path.islink(path) or not os.path.isfile(path):
                        continue
                    try:
                        with open(path, "rb") as f:
                            while True:
                                block = f.read(MIB)
                                if not block:
                                    break
                                any_file = True
                                yield block
                    except OSError:
                        continue
        if not any_file:
            raise BenchError(f"no readable file under {', '.join(roots)} to fill the data disk with")


class Refill:
    """Whole MiB pieces from a stream of blocks of any size."""

    def __init__(self, stream):
        self.stream, self.buffer = stream, bytearray()

    def take(self):
        while len(self.buffer) < MIB:
            self.buffer += next(self.stream)
        piece = bytes(self.buffer[:MIB])
        del self.buffer[:MIB]
        return piece


def data_disk(path, size_mib):
    """A disk full of what a VM's data disk holds: in every 8 MiB, 4 MiB of machine code and libraries, 3 MiB of
    text (Python sources, documentation, data files) and 1 MiB of random bytes (compressed or encrypted files)."""
    binaries = Refill(file_stream(["/usr/lib/x86_64-linux-gnu", "/usr/bin", "/usr/lib/gcc"]))
    text = Refill(file_stream(["/usr/lib/python3.11", "/usr/lib/python3", "/usr/share"]))
    with open(path, "wb") as f:
        for mib in range(size_mib):
            slot = mib % 8
            f.write(binaries.take() if slot < 4 else text.take() if slot < 7 else os.urandom(MIB))
    return path


def bench_arguments():
    """The arguments every bench script beside run.sh (or a run.sh of its own) is given."""
    parser = argparse.ArgumentParser()
    for name in ("--cli", "--guest", "--work", "--results", "--command", "--version"):
        parser.add_argument(name, required=True)
    parser.add_argument("--runs", type=int, default=3)
    return parser


def write_results(path, lines):
    text = "\n".join(lines) + "\n"
    with open(path, "w") as f:
        f.write(text)
    print(text)


def run_main(main, name):
    try:
        main()
    except BenchError as e:
        print(f"{name}: {e}", file=sys.stderr)
        sys.exit(1)


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
                production = os.path.join(args.work, f"production-{guest.key}-{run}")
                migrations[guest.key].append(bench.instant(guest, f"migrate-{run}", migrate_to=production)["migration"])
                shutil.rmtree(production, ignore_errors=True)
                for sparse in copies[guest.key]:
                    copies[guest.key][sparse].append(bench.copy(guest, sparse))
            os.sync()
    finally:
        bench.cleanup()
    load_after = os.getloadavg()
    write_report(args, guests, results, migrations, copies, load_before, load_after, time.monotonic() - began)


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


if __name__ == "__main__":
    run_main(main, "recovery_bench")
