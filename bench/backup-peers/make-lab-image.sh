#!/usr/bin/env bash
# Builds the benchmark's lab disk image without mounting anything: a seeded folder of files (prose, C-like
# source, ELF binaries copied from this machine, duplicate files, random files: about half the image) is
# written into a sparse file with `mkfs.ext4 -d`; the other half stays free space (zeros).
# Usage: make-lab-image.sh OUT SIZE [SEED]     e.g. make-lab-image.sh /tmp/lab.img 2G
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: make-lab-image.sh OUT SIZE [SEED]   (SIZE like 2G or 512M; SEED defaults to 1)" >&2
  exit 2
fi
out="$1"; size_text="$2"; seed="${3:-1}"
for tool in mkfs.ext4 debugfs dumpe2fs python3 numfmt; do
  command -v "$tool" >/dev/null || { echo "make-lab-image.sh: '$tool' is missing; install it (Debian: e2fsprogs, python3, coreutils)." >&2; exit 1; }
done
if ! size=$(numfmt --from=iec "$size_text" 2>/dev/null) || [ "$size" -lt $((64 << 20)) ]; then
  echo "make-lab-image.sh: SIZE '$size_text' is not a size of at least 64M (write it like 2G or 512M)." >&2
  exit 2
fi
case "$seed" in ''|*[!0-9]*) echo "make-lab-image.sh: SEED '$seed' is not a whole number." >&2; exit 2 ;; esac

content="$out.content"
rm -rf "$content"
trap 'rm -rf "$content" "$content.debugfs" "$content.debugfs.err"' EXIT
python3 "$here/lab_content.py" "$content" "$size" "$seed"

rm -f "$out"
truncate -s "$size" "$out"
# A fixed UUID, hash seed and clock make the same content give the same image bytes.
E2FSPROGS_FAKE_TIME=1700000000 mkfs.ext4 -q -F -t ext4 -b 4096 -m 0 -L lab \
  -U 6c1f0b9e-7d52-4a39-9d0e-2b8f5a6e4c11 \
  -E hash_seed=0f6a2c4e-1b3d-4e5f-8a7b-9c0d1e2f3a4b,root_owner=0:0,lazy_itable_init=0 \
  -d "$content" "$out"
# mkfs.ext4 -d copies each file's change time, which no one can set: pin it (and the superblock's count of
# bytes written) with debugfs so the image is the same, byte for byte, on every run.
used=$(dumpe2fs -h "$out" 2>/dev/null | awk -F: '/^Inode count/ {c = $2} /^Free inodes/ {f = $2} END {print c - f}')
{ seq 12 "$used" | sed 's/.*/sif <&> ctime @1700000000/'; echo "ssv kbytes_written 0"; } >"$content.debugfs"
if ! E2FSPROGS_FAKE_TIME=1700000000 debugfs -w -f "$content.debugfs" "$out" >/dev/null 2>"$content.debugfs.err"; then
  cat "$content.debugfs.err" >&2
  echo "make-lab-image.sh: debugfs failed to pin the inode times of '$out' (its messages are above)." >&2
  exit 1
fi
rm -f "$content.debugfs" "$content.debugfs.err"
echo "$out: $(numfmt --to=iec "$size") ext4 image, $(du -B1 "$out" | cut -f1 | numfmt --to=si)B allocated (seed $seed)" >&2
