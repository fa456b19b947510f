"""The bench's own Lifeboat server and CLI, and the ways to a guest that answers it times: instant recovery (then
migrated or stopped), a full restore then a boot, a boot of the raw disks; and `cp` of the disks."""
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

from recovery_common import GUEST_TIMEOUT, MIB, POLL, BenchError, log
from recovery_guest import arguments, booting_command_line, wait_for_marker
from recovery_processes import (allocated, children_cpu, cpu_seconds, drop_page_cache, free_port, is_qemu_for, power_off,
                                read_pid, thread_cpu, thread_cpu_delta)

METHODS = ("instant", "profiled", "restore", "raw")


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
        self.production = None  # the datastore migrations write into, once declared

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

    def declare_production(self):
        """Local migrations write into a datastore declared for them, as an admin does (the server refuses any other
        folder); a libvirt host's migrations write into the host's own folder."""
        self.production = os.path.join(self.work, "production")
        os.makedirs(self.production)
        self.lifeboat("datastore", "add", "production", self.production, "--json")

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
            guest.template = (folder, booting_command_line(os.path.join(folder, "vm.json")))
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

    def mirror(self, session, target):
        """`lifeboat migrate --method mirror` of the session to raw files in target: the command's seconds, the
        session's view once finalized, and the seconds of its migration phase."""
        start = time.monotonic()
        self.lifeboat("migrate", session, "--to", target, "--method", "mirror", "--format", "raw", "--json")
        command = time.monotonic() - start
        view = self.api(f"api/sessions/{session}")
        if view["state"] != "Finalized":
            raise BenchError(f"session {session} is {view['state']} after lifeboat migrate: {view.get('migrationError')}")
        phase = next(p["durationSeconds"] for p in view["phases"] if p["phase"] == "MigratingToProduction")
        return command, view, phase

    def migrate(self, session, target):
        command, view, phase = self.mirror(session, target)
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
