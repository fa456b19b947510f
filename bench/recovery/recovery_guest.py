"""A VM to recover (its disks, the mode its init runs in, its console marker), the QEMU arguments that boot it from
local raw files, and the wait for its marker on its serial console."""
import json
import os
import time

from recovery_common import GUEST_TIMEOUT, MIB, POLL, BenchError
from recovery_processes import allocated, cpu_seconds, read_pid


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


def booting_command_line(vm_json):
    """The QEMU arguments that boot an instant-recovery VM with its disks from the start, from its runtime folder's
    vm.json: a VM the session started paused (-S, no disks) got its disks over QMP, which vm.json lists as the
    command-line options that give the same disks ("attachedDisks"); a boot of local files starts running at once."""
    with open(vm_json) as f:
        metadata = json.load(f)
    return [a for a in metadata["arguments"] if a != "-S"] + metadata.get("attachedDisks", [])


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
