"""The disks the bench builds beside the test guest: a large one with random data where no partition is, and a data
disk of libraries, text and random bytes."""
import os
import subprocess

from recovery_common import MIB, BenchError


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
