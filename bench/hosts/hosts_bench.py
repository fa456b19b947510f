#!/usr/bin/env python3
"""Recovery onto a second libvirt host (the tests' host: a network namespace behind a veth pair, its own libvirtd)
against recovery onto this machine's own QEMU host and against booting the raw disk on that libvirt host, and live
migration throughput there against here, in one run, interleaved. run.sh (beside this file) prepares the CLI, the
test guest, the port 111 lock and the host holder, then runs this. See README.md beside this file."""
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "recovery"))
from recovery_common import MIB, BenchError, bench_arguments, log, median_range, run_main, write_results  # noqa: E402
from recovery_disks import big_disk  # noqa: E402
from recovery_guest import Guest, wait_for_marker  # noqa: E402
from recovery_processes import allocated, drop_page_cache, power_off  # noqa: E402
from recovery_runner import Bench  # noqa: E402

HOST = "kvm2"
MARKER = "LIFEBOAT-GUEST-BOOTED"
MODE = "stay"
METHODS = ("local", "remote-nfs", "remote-nbd", "remote-raw", "remote-raw-lean")
TITLES = {
    "local": "instant recovery onto the local QEMU host (NFS over loopback)",
    "remote-nfs": f"instant recovery onto the libvirt host `{HOST}` over NFS (the veth pair)",
    "remote-nbd": f"instant recovery onto the libvirt host `{HOST}` over NBD (the veth pair)",
    "remote-raw": f"boot the raw disk on `{HOST}` (`virsh create`, a local file disk there)",
    "remote-raw-lean": f"the same with the local VM's devices (no VGA, VNC, USB controller or balloon, which libvirt adds)",
}
# Once every this many seconds while waiting for a console marker: is the raw-boot domain still running?
STATE_CHECK = 5.0


class HostsBench(Bench):
    def __init__(self, args, host):
        super().__init__(args)
        self.host = host  # the holder's JSON: tcpUri, localAddress, hostAddress, folder
        self.template = None  # the live XML of a domain Lifeboat made on the host
        self.serial = 0

    def virsh(self, *arguments, check=True):
        done = subprocess.run(["virsh", "-c", self.host["tcpUri"], *arguments], capture_output=True, text=True)
        if check and done.returncode != 0:
            raise BenchError(f"virsh {' '.join(arguments)} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def add_host(self):
        out = json.loads(self.lifeboat("host", "add", HOST, "--connect", self.host["tcpUri"], "--json"))
        log(f"added host {HOST}: {json.dumps(out)}")
        return out

    def next_name(self, kind):
        self.serial += 1
        return f"lbbench-{kind}-{self.serial}"

    def recover(self, guest, method, migrate):
        """Command start to the marker in the session's console copy, then (when asked) the session's live migration
        to raw files (here, or in the host's folder), then the VM is powered off and, on the host, undefined."""
        remote = method != "local"
        self.forget_profile(guest)
        drop_page_cache([os.path.join(self.data, "repository")] + guest.raws)
        os.sync()
        run_root = os.path.join(self.data, "run")
        before = set(os.listdir(run_root)) if os.path.isdir(run_root) else set()
        name = self.next_name(method)
        extra = ["--host", HOST, "--name", name, "--protocol", method.split("-")[1]] if remote else ["--protocol", "nfs"]
        load = os.getloadavg()[0]
        start = time.monotonic()
        command = subprocess.Popen(
            self.cli + ["instant-recover", "--vm", guest.vm, "--restore-point", guest.restore_point, "--ready-when", f"console:{MARKER}",
                        "--fw-cfg", f"opt/lifeboat/mode={MODE}", "--json", *extra],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def failed():
            if command.poll() in (None, 0):
                return None
            return f"lifeboat instant-recover failed ({command.returncode}): {command.communicate()[1].strip()}"
        folder = None
        while folder is None:
            if time.monotonic() - start > 300 or failed():
                command.kill()
                raise BenchError(f"instant recovery made no VM folder in {run_root}: {command.communicate()[1].strip()}")
            fresh = set(os.listdir(run_root)) - before if os.path.isdir(run_root) else set()
            folder = os.path.join(run_root, fresh.pop()) if fresh else None
            if folder is None:
                time.sleep(0.01)
        marker, _ = wait_for_marker(os.path.join(folder, "serial.log"), start, MARKER, failed)
        out, err = command.communicate(timeout=300)
        returned = time.monotonic() - start
        if command.returncode != 0:
            raise BenchError(f"lifeboat instant-recover failed ({command.returncode}): {err.strip() or out.strip()}")
        outcome = json.loads(out)
        session = outcome["sessionId"]
        view = self.api(f"api/sessions/{session}")
        phases = {p["phase"]: p["durationSeconds"] for p in view["phases"]}
        if remote and self.template is None:
            self.template = self.virsh("dumpxml", name)
            with open(os.path.join(self.work, "lifeboat-domain.xml"), "w") as f:
                f.write(self.template)
        result = {"seconds": marker, "command": returned, "server": outcome.get("serverRecoverySeconds"), "session": session,
                  "phases": phases, "load": load}
        try:
            if migrate:
                result["migration"] = self.migrate_to_production(session, method)
            else:
                self.lifeboat("stop", session)
        finally:
            if remote:
                self.virsh("destroy", name, check=False)
                self.virsh("undefine", name, check=False)
            else:
                power_off(os.path.join(folder, "qemu.pid"))
        return result

    def migrate_to_production(self, session, method):
        target = os.path.join(self.host["folder"] if method != "local" else self.production, f"production-{session}")
        os.makedirs(target)
        os.sync()
        command, view, phase = self.mirror(session, target)
        # The migration step's own figure: "in sync: 1024 MiB at 312 MiB/s, the guest running all along".
        message = next((s.get("message") or "" for s in view["steps"] if "MiB/s" in (s.get("message") or "")), "")
        rate = None
        if " at " in message and " MiB/s" in message:
            try:
                rate = float(message.split(" at ", 1)[1].split(" MiB/s", 1)[0])
            except ValueError:
                rate = None
        size = sum(os.path.getsize(d) for d in view["productionDisks"] if os.path.exists(d))
        written = sum(allocated(d) for d in view["productionDisks"] if os.path.exists(d))
        shutil.rmtree(target, ignore_errors=True)
        return {"seconds": phase, "command": command, "rate": rate, "message": message, "size": size, "allocated": written}

    def raw_remote(self, guest, run, lean=False):
        """A local copy of the backed-up raw disk in the host's folder (made before the clock starts), booted on the
        host with `virsh create` from the XML of Lifeboat's own domain there, the disk a file and the console a file."""
        if self.template is None:
            raise BenchError("no recovery onto the host has run yet, so there is no domain XML to boot the raw disk with")
        drop_page_cache([os.path.join(self.data, "repository")] + guest.raws)
        name = self.next_name("raw")
        folder = os.path.join(self.host["folder"], name)
        os.makedirs(folder)
        disks = []
        for index, raw in enumerate(guest.raws):
            disk = os.path.join(folder, f"disk{index}.raw")
            subprocess.run(["cp", "--sparse=always", raw, disk], check=True)
            disks.append(disk)
        drop_page_cache(disks)
        serial = os.path.join(folder, "serial.log")
        xml_path = os.path.join(folder, "domain.xml")
        xml = raw_domain_xml(self.template, name, disks, serial, lean)
        for path in (xml_path, os.path.join(self.work, f"raw-domain{'-lean' if lean else ''}.xml")):
            with open(path, "w") as f:
                f.write(xml)
        os.sync()
        load = os.getloadavg()[0]
        start = time.monotonic()
        self.virsh("create", xml_path)
        checked = [time.monotonic()]

        def failed():
            if time.monotonic() - checked[0] < STATE_CHECK:
                return None
            checked[0] = time.monotonic()
            state = self.virsh("domstate", name, check=False).strip()
            return None if state == "running" else f"the domain {name} on {HOST} is {state or 'gone'}"
        try:
            marker, _ = wait_for_marker(serial, start, MARKER, failed)
        finally:
            self.virsh("destroy", name, check=False)
        shutil.rmtree(folder, ignore_errors=True)
        return {"seconds": marker, "load": load}


def raw_domain_xml(template, name, disks, serial, lean):
    """Lifeboat's domain on the host (same machine, CPU, memory, devices, fw_cfg entries) as a new transient domain:
    its network disks become the raw files, in order, its pty console a file console; what libvirt filled in for the
    running domain (id, uuid, aliases, security labels, the agent socket's path) is left for libvirt to fill again."""
    domain = ET.fromstring(template)
    domain.attrib.pop("id", None)
    domain.find("name").text = name
    for tag in ("uuid", "metadata", "seclabel", "resource"):
        for element in domain.findall(tag):
            domain.remove(element)
    for parent in domain.iter():
        for child in list(parent):
            if child.tag in ("alias", "backingStore"):
                parent.remove(child)
    devices = domain.find("devices")
    network_disks = [d for d in devices.findall("disk") if d.get("type") == "network"]
    if len(network_disks) != len(disks):
        raise BenchError(f"Lifeboat's domain on the host has {len(network_disks)} network disks, not {len(disks)}: {template}")
    for element, path in zip(network_disks, disks):
        element.set("type", "file")
        source = element.find("source")
        element.remove(source)
        element.insert(1, ET.Element("source", {"file": path}))
    for tag in ("serial", "console"):
        for element in devices.findall(tag):
            devices.remove(element)
    console = ET.SubElement(devices, "serial", {"type": "file"})
    ET.SubElement(console, "source", {"path": serial})
    ET.SubElement(console, "target", {"port": "0"})
    for channel in devices.findall("channel"):
        for source in channel.findall("source"):
            channel.remove(source)
        for target in channel.findall("target"):
            target.attrib.pop("state", None)
    if lean:
        # What the local QEMU host's VM lacks (-nodefaults -display none): a VGA card (SeaBIOS then runs its option
        # ROM), a display, a USB controller, a balloon, an audio backend.
        for tag in ("video", "graphics", "memballoon", "audio", "controller"):
            for element in devices.findall(tag):
                if tag != "controller" or element.get("type") == "usb":
                    devices.remove(element)
        ET.SubElement(devices, "controller", {"type": "usb", "model": "none"})
        ET.SubElement(devices, "memballoon", {"model": "none"})
    return ET.tostring(domain, encoding="unicode")


def ratio(a, b):
    return a / b if a and b else None


def main():
    parser = bench_arguments()
    parser.add_argument("--disk-mib", type=int, default=1024)
    parser.add_argument("--disk-data-mib", type=int, default=768)
    parser.add_argument("--holder", required=True, help="the HostsBench program (dotnet DLL) that holds the libvirt host")
    args = parser.parse_args()
    config = os.path.join(args.guest, "guest.json")
    test_raw = os.path.join(args.guest, "guest.raw")
    began = time.monotonic()
    load_start = os.getloadavg()

    raw = big_disk(test_raw, os.path.join(args.work, "guest.raw"), args.disk_mib, args.disk_data_mib)
    guest = Guest("disk", f"the test guest on a {args.disk_mib} MiB disk holding {args.disk_data_mib} MiB of data",
                  "guest", [raw], config, MODE, MARKER)

    log("starting the second libvirt host (network namespace, veth pair, libvirtd)")
    holder = subprocess.Popen(["dotnet", args.holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = holder.stdout.readline()
    if not line:
        raise BenchError(f"the host holder exited with {holder.wait()} before saying where the host is")
    host = json.loads(line)
    log(f"host at {host['tcpUri']}, this machine at {host['localAddress']} on the veth pair")
    bench = HostsBench(args, host)
    results = {m: [] for m in METHODS}
    warm = {}
    try:
        bench.start_server()
        bench.backup(guest)
        bench.declare_production()
        added = bench.add_host()

        def measure(method, run, keep):
            if method.startswith("remote-raw"):
                result = bench.raw_remote(guest, run, lean=method.endswith("lean"))
            else:
                result = bench.recover(guest, method, migrate=True)
            log(f"{'run ' + str(run) if keep else 'warm-up'}: {method} answered at {result['seconds']:.2f} s"
                + (f", migrated at {result['migration']['rate']} MiB/s" if "migration" in result else ""))
            (results[method] if keep else warm.setdefault(method, [])).append(result)

        for method in METHODS:
            measure(method, 0, False)
        for run in range(1, args.runs + 1):
            shift = (run - 1) % len(METHODS)
            for method in METHODS[shift:] + METHODS[:shift]:
                measure(method, run, True)
    finally:
        bench.cleanup()
        holder.stdin.close()
        try:
            holder.wait(60)
        except subprocess.TimeoutExpired:
            holder.kill()
    load_end = os.getloadavg()
    minutes = (time.monotonic() - began) / 60
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    report(args, guest, added, qemu, results, load_start, load_end, minutes)


def report(args, guest, added, qemu, results, load_start, load_end, minutes):
    now = datetime.datetime.now(datetime.timezone.utc)
    loads = lambda a: " ".join(f"{x:.2f}" for x in a)  # noqa: E731
    lines = [
        f"# Recovery onto a libvirt host and migration there, {now:%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{args.command}` ({args.runs} interleaved rounds after one untimed warm-up of each method, the order rotated "
        f"each round; {minutes:.1f} minutes in all).",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}; load average {loads(load_start)} at the start, {loads(load_end)} at the end "
        "(the 1-minute figure at each measurement's start is in the per-round table).",
        f"Versions: Lifeboat {args.version}; {qemu} here; the host (`lifeboat host add {HOST}`): libvirt {added.get('libvirtVersion')}, "
        f"QEMU {added.get('qemuVersion')}, {added.get('accelerator')}, {added.get('cpus')} CPUs, reaches the mount server at "
        f"{added.get('mountServerAddress')} (nfs driver {added.get('nfsDriver')}, nbd driver {added.get('nbdDriver')}).",
        f"Guest: {guest.describe()}, backed up in {guest.backup['seconds']:.1f} s ({guest.backup['stored'] // MIB} MiB stored); "
        f"init mode `{MODE}`, it answers when `{MARKER}` is on its serial console (polled every 10 ms). Every instant recovery "
        "starts with no boot profile (forgotten first) and cold page caches for the repository and the disk.",
        "",
        "## Recovery time: command start to a guest that answers (seconds, median [min-max])",
        "",
        "| method | answers at | command returned | the server's figure |",
        "| --- | ---: | ---: | ---: |",
    ]
    for method in METHODS:
        rs = results[method]
        lines.append(f"| {TITLES[method]} | {median_range([r['seconds'] for r in rs])} | {median_range([r.get('command') for r in rs])} "
                     f"| {median_range([r.get('server') for r in rs])} |")

    def per_run(a, b, key=lambda r: r["seconds"]):
        return [ratio(key(x), key(y)) for x, y in zip(results[a], results[b])]
    lines += ["", "Ratios within each round (median [min-max] of the per-round ratios); the goal: remote / local <= 1.1.", "",
              "| ratio | median [min-max] |", "| --- | ---: |"]
    for a, b in (("remote-nfs", "local"), ("remote-nbd", "local"), ("remote-nfs", "remote-raw"), ("remote-nbd", "remote-raw"),
                 ("remote-raw", "local"), ("remote-raw-lean", "local"), ("remote-raw", "remote-raw-lean")):
        lines.append(f"| {a} / {b} | {median_range(per_run(a, b))} |")

    lines += ["", "## Live migration to production raw files (`lifeboat migrate --method mirror --format raw`), each right after its recovery's clock stopped", "",
              "Here: from the NFS datastore on loopback to a folder on this machine's disk. On the host: libvirt's block copy "
              "from the datastore over the veth pair to a folder on the host (its /tmp is this machine's: the same disk). "
              "MiB/s is the migration step's own figure; the phase is the session's \"Migrating to production\".", "",
              "| recovered by | MiB/s (the step's figure) | phase seconds | command seconds | disk MiB | allocated after, MiB |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for method in ("local", "remote-nfs", "remote-nbd"):
        ms = [r["migration"] for r in results[method]]
        lines.append(f"| {TITLES[method]} | {median_range([m['rate'] for m in ms], 0)} | {median_range([m['seconds'] for m in ms])} "
                     f"| {median_range([m['command'] for m in ms])} | {median_range([m['size'] / MIB for m in ms], 0)} "
                     f"| {median_range([m['allocated'] / MIB for m in ms], 0)} |")
    rate = lambda r: r["migration"]["rate"]  # noqa: E731
    lines += ["", "| ratio of MiB/s within each round | median [min-max] |", "| --- | ---: |",
              f"| remote-nfs / local | {median_range(per_run('remote-nfs', 'local', rate))} |",
              f"| remote-nbd / local | {median_range(per_run('remote-nbd', 'local', rate))} |"]

    lines += ["", "## Every round", "", "| round | method | answers at | server's figure | migration MiB/s | load (1 min) |",
              "| ---: | --- | ---: | ---: | ---: | ---: |"]
    for run in range(args.runs):
        for method in METHODS:
            r = results[method][run]
            m = r.get("migration")
            server = f"{r['server']:.2f}" if r.get("server") is not None else "-"
            lines.append(f"| {run + 1} | {method} | {r['seconds']:.2f} | {server} | {m['rate'] if m else '-'} | {r['load']:.1f} |")
    lines += ["", "Phases of the recoveries (seconds, median):", ""]
    for method in ("local", "remote-nfs", "remote-nbd"):
        names = [n for n in results[method][0]["phases"]]
        lines.append(f"- {method}: " + "; ".join(
            f"{n} {statistics.median([r['phases'].get(n) or 0 for r in results[method]]):.2f}" for n in names))
    write_results(args.results, lines)


if __name__ == "__main__":
    run_main(main, "hosts_bench.py")
