#!/usr/bin/env python3
"""Changes PERCENT of an image's 1 MiB blocks that hold data, as a day of a VM's writes would.

Usage: change_blocks.py IMAGE PERCENT SEED

In each chosen block, 2 to 8 runs of 4 KiB pages (4-64 KiB each, 4 KiB aligned) are rewritten with
seeded random bytes. Blocks that are all zeros (free space, holes) are never chosen. Prints the blocks
changed and the bytes that now differ.
"""

import os
import random
import sys

BLOCK = 1 << 20
PAGE = 4096


def data_blocks(image):
    """Indexes of the 1 MiB blocks that hold at least one non-zero byte."""
    zero = bytes(BLOCK)
    found = []
    buffer = bytearray(BLOCK)
    view = memoryview(buffer)
    with open(image, "rb", buffering=0) as f:
        index = 0
        while True:
            n = f.readinto(buffer)
            if not n:
                break
            if view[:n] != zero[:n]:
                found.append(index)
            index += 1
    return found


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: change_blocks.py IMAGE PERCENT SEED")
    image, percent, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    if not 0 < percent <= 100:
        sys.exit(f"change_blocks.py: PERCENT must be above 0 and at most 100, not {percent}.")
    blocks = data_blocks(image)
    if not blocks:
        sys.exit(f"change_blocks.py: '{image}' holds no data; make it with make-lab-image.sh first.")
    rng = random.Random(seed)
    chosen = sorted(rng.sample(blocks, max(1, round(len(blocks) * percent / 100))))
    size = os.path.getsize(image)
    differing = 0
    with open(image, "r+b", buffering=0) as f:
        for block in chosen:
            start = block * BLOCK
            f.seek(start)
            old = f.read(min(BLOCK, size - start))
            new = bytearray(old)
            for _ in range(rng.randint(2, 8)):
                offset = rng.randrange(len(new) // PAGE) * PAGE
                length = min(rng.randint(1, 16) * PAGE, len(new) - offset)
                new[offset:offset + length] = rng.randbytes(length)
            f.seek(start)
            f.write(new)
            # The zero bytes of old XOR new are the bytes that stayed the same.
            xor = (int.from_bytes(old, "little") ^ int.from_bytes(new, "little")).to_bytes(len(old), "little")
            differing += len(old) - xor.count(0)
        os.fsync(f.fileno())
    print(f"changed {len(chosen)} of {len(blocks)} data blocks (1 MiB) in {image}: {differing} bytes differ",
          file=sys.stderr)


if __name__ == "__main__":
    main()
