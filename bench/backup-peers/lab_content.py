#!/usr/bin/env python3
"""Fills a folder with the lab image's files: a realistic, seeded mix for a backup benchmark.

Usage: lab_content.py DIR IMAGE_SIZE_BYTES SEED

Shares of the image size: prose 15%, C-like source 10%, ELF binaries copied from this machine 8%,
duplicate files 7%, random (incompressible) files 13%; the rest stays free space. Everything but the
binaries comes from one seeded generator, so the same seed gives the same bytes on any machine; the
binaries are the same on machines with the same Debian packages.
"""

import operator
import os
import random
import shutil
import sys

SHARES = {"prose": 0.15, "source": 0.10, "binaries": 0.08, "duplicates": 0.07, "random": 0.13}
FIXED_TIME = 1_700_000_000  # file times are fixed so mkfs.ext4 -d produces the same metadata


def log_uniform(rng, low, high):
    """A size between low and high whose logarithm is uniform: many small files, a few large ones."""
    return int(low * (high / low) ** rng.random())


class Vocabulary:
    """Pseudo-words with Zipf-like frequencies, so prose compresses like a natural language does."""

    SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ou", "ie", "ai")]
    TABLE_SIZE = 1 << 16

    def __init__(self, rng, count=30000):
        words = set()
        while len(words) < count:
            length = 1 + min(int(rng.expovariate(0.8)), 4)
            word = "".join(rng.choice(self.SYLLABLES) for _ in range(length))
            if rng.random() < 0.3:
                word += rng.choice(("s", "ed", "ing", "ly", "er", "n", "t"))
            words.add(word)
        self.words = sorted(words)
        rng.shuffle(self.words)
        # A table of 2^16 slots, each word holding slots in proportion to its frequency: sampling is then
        # one random 16-bit index per word, far faster than a bisect over cumulative weights.
        weights = [1.0 / rank ** 0.95 for rank in range(1, count + 1)]
        scale = self.TABLE_SIZE / sum(weights)
        table = []
        for word, weight in zip(self.words, weights):
            table.extend([word] * max(1, round(weight * scale)))
        self.table = (table * 2)[:self.TABLE_SIZE]
        self.identifiers = ["_".join(self.sample(rng, 1 + rng.randrange(3))) for _ in range(16384)]

    def sample(self, rng, count):
        indices = memoryview(rng.randbytes(2 * count)).cast("H")
        if count == 1:
            return [self.table[indices[0]]]
        return list(operator.itemgetter(*indices)(self.table))


def prose(rng, vocabulary, size):
    """Paragraphs of sentences of Zipf-distributed words, about size bytes."""
    words = vocabulary.sample(rng, size // 6 + 32)
    dice = rng.randbytes(len(words) // 4 + 8)  # one byte of chance per sentence, at most
    endings = (". ", ". ", ". ", "? ", "! ", "; ", ". ", ".\n\n")
    out = []
    length = i = d = 0
    while length < size and i < len(words):
        roll = dice[d]
        d += 1
        n = 4 + roll % 21
        sentence = words[i:i + n]
        i += n
        if not sentence:
            break
        sentence[0] = sentence[0].capitalize()
        if n > 10 and roll & 0x20 and n // 2 < len(sentence):
            sentence[n // 2] += ","
        text = " ".join(sentence) + endings[roll >> 5]
        out.append(text)
        length += len(text)
    return "".join(out)[:size]


TYPES = ("int", "unsigned", "size_t", "uint32_t", "uint64_t", "char *", "const char *", "double", "bool",
         "struct buffer *", "void *", "int64_t")
OPERATORS = ("+", "-", "*", "<<", ">>", "&", "|", "^", "%")


def identifier(rng, vocabulary):
    return "_".join(vocabulary.sample(rng, rng.randint(1, 3)))


def source_file(rng, vocabulary, size):
    """C-like code: includes, structs, functions with loops, conditions, calls and comments."""
    # A file uses a few hundred names over and over, as real code does.
    start = rng.randrange(len(vocabulary.identifiers) - 512)
    names = vocabulary.identifiers[start:start + 512]
    bits = rng.getrandbits

    def ident():
        return names[bits(9)]

    lines = [f"/* {prose(rng, vocabulary, rng.randint(60, 300)).strip()} */", ""]
    for header in rng.sample(("stdio.h", "stdlib.h", "string.h", "stdint.h", "stdbool.h", "errno.h",
                              "unistd.h", "fcntl.h", "assert.h", "limits.h"), rng.randint(2, 6)):
        lines.append(f"#include <{header}>")
    lines.append("")
    length = sum(len(line) + 1 for line in lines)
    while length < size:
        block = []
        if rng.random() < 0.2:
            struct_name = ident()
            block.append(f"struct {struct_name} {{")
            for _ in range(rng.randint(2, 8)):
                block.append(f"    {rng.choice(TYPES)} {ident()};")
            block.append("};")
        else:
            args = ", ".join(f"{rng.choice(TYPES)} {ident()}" for _ in range(rng.randint(0, 4)))
            if rng.random() < 0.5:
                block.append(f"/* {prose(rng, vocabulary, rng.randint(30, 160)).strip()} */")
            block.append(f"static {rng.choice(TYPES)} {ident()}({args or 'void'})")
            block.append("{")
            depth = 1
            for _ in range(rng.randint(3, 30)):
                pad = "    " * depth
                kind = rng.random()
                a, b = ident(), ident()
                if kind < 0.3:
                    block.append(f"{pad}{rng.choice(TYPES)} {a} = {b} {rng.choice(OPERATORS)} {rng.randint(0, 4096)};")
                elif kind < 0.45 and depth < 4:
                    block.append(f"{pad}for (size_t i = 0; i < {a}; i++) {{")
                    depth += 1
                elif kind < 0.6 and depth < 4:
                    block.append(f"{pad}if ({a} {rng.choice(('==', '!=', '<', '>='))} {b}) {{")
                    depth += 1
                elif kind < 0.75 and depth > 1:
                    depth -= 1
                    block.append("    " * depth + "}")
                elif kind < 0.9:
                    block.append(f"{pad}{a}({b}, {rng.randint(0, 255)});")
                else:
                    block.append(f"{pad}// {prose(rng, vocabulary, rng.randint(20, 90)).strip()}")
            while depth > 1:
                depth -= 1
                block.append("    " * depth + "}")
            block.append(f"    return {ident()};")
            block.append("}")
        block.append("")
        lines.extend(block)
        length += sum(len(line) + 1 for line in block)
    return "\n".join(lines)[:size] + "\n"


def elf_files():
    """Regular ELF files of this machine, in a stable order."""
    roots = ("/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu", "/usr/libexec")
    for root in roots:
        if not os.path.isdir(root):
            continue
        for folder, subfolders, files in os.walk(root):
            subfolders.sort()
            for name in sorted(files):
                path = os.path.join(folder, name)
                try:
                    if os.path.islink(path) or not os.path.isfile(path) or os.path.getsize(path) < 16384:
                        continue
                    with open(path, "rb") as f:
                        if f.read(4) != b"\x7fELF":
                            continue
                except OSError:
                    continue
                yield path


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: lab_content.py DIR IMAGE_SIZE_BYTES SEED")
    root, image_size, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    budgets = {kind: int(image_size * share) for kind, share in SHARES.items()}
    rng = random.Random(seed)
    vocabulary = Vocabulary(rng)
    written = {kind: 0 for kind in SHARES}
    made = []  # (kind, path, size) of files that duplicates may copy

    def write(kind, relative, data):
        path = os.path.join(root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        written[kind] += len(data)
        made.append((kind, path, len(data)))

    n = 0
    while written["prose"] < budgets["prose"]:
        size = min(log_uniform(rng, 2048, 4 << 20), budgets["prose"] - written["prose"] + 1)
        write("prose", f"home/user/documents/{n // 100:03d}/{identifier(rng, vocabulary)}-{n}.txt",
              prose(rng, vocabulary, size).encode())
        n += 1

    n = 0
    while written["source"] < budgets["source"]:
        size = min(log_uniform(rng, 1024, 256 << 10), budgets["source"] - written["source"] + 1)
        write("source", f"home/user/src/project-{n // 400:02d}/{identifier(rng, vocabulary)}-{n}.c",
              source_file(rng, vocabulary, size).encode())
        n += 1

    for path in elf_files():
        left = budgets["binaries"] - written["binaries"]
        if left <= 0:
            break
        if os.path.getsize(path) > left:
            continue
        relative = "opt/tools" + path
        destination = os.path.join(root, relative)
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        shutil.copyfile(path, destination)
        size = os.path.getsize(destination)
        written["binaries"] += size
        made.append(("binaries", destination, size))
    if written["binaries"] < budgets["binaries"] // 2:
        sys.exit(f"lab_content.py: found only {written['binaries']} bytes of ELF binaries on this machine for a "
                 f"budget of {budgets['binaries']}; use a smaller image size.")

    n = 0
    candidates = [m for m in made if m[2] >= 8192]
    weights = [m[2] for m in candidates]
    attempts_left = 10_000
    while written["duplicates"] < budgets["duplicates"] and candidates:
        # Half picked by file, half by size: many small copies and some large ones.
        if rng.random() < 0.5:
            kind, source, size = rng.choice(candidates)
        else:
            kind, source, size = rng.choices(candidates, weights=weights)[0]
        if size > budgets["duplicates"] - written["duplicates"] + 65536:
            attempts_left -= 1
            if attempts_left == 0:
                break
            continue
        destination = os.path.join(root, f"backup/copy-{n // 50:02d}/{n}-{os.path.basename(source)}")
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        shutil.copyfile(source, destination)
        written["duplicates"] += size
        n += 1

    n = 0
    while written["random"] < budgets["random"]:
        size = min(log_uniform(rng, 64 << 10, 16 << 20), budgets["random"] - written["random"] + 1)
        write("random", f"var/data/{n // 50:02d}/blob-{n}.bin", rng.randbytes(size))
        n += 1

    for folder, subfolders, files in os.walk(root, topdown=False):
        for name in files + subfolders:
            os.utime(os.path.join(folder, name), (FIXED_TIME, FIXED_TIME), follow_symlinks=False)
    os.utime(root, (FIXED_TIME, FIXED_TIME))
    summary = ", ".join(f"{kind} {written[kind] / 1e6:.0f} MB" for kind in SHARES)
    print(f"lab content in {root}: {summary}", file=sys.stderr)


if __name__ == "__main__":
    main()
