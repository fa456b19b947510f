#!/usr/bin/env bash
# Rewrites a few KiB (2-8 runs of 4-64 KiB) inside PERCENT% of the image's 1 MiB blocks that hold data,
# seeded so every tool sees the same change. Usage: change-blocks.sh IMAGE PERCENT SEED  (e.g. IMAGE 5 7)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ $# -ne 3 ]; then
  echo "usage: change-blocks.sh IMAGE PERCENT SEED   (e.g. change-blocks.sh /tmp/lab.img 5 7)" >&2
  exit 2
fi
[ -f "$1" ] || { echo "change-blocks.sh: '$1' is not a file; make it with make-lab-image.sh first." >&2; exit 1; }
case "$2" in ''|*[!0-9.]*|*.*.*) echo "change-blocks.sh: PERCENT '$2' is not a number like 5 or 2.5." >&2; exit 2 ;; esac
case "$3" in ''|*[!0-9]*) echo "change-blocks.sh: SEED '$3' is not a whole number." >&2; exit 2 ;; esac
exec python3 "$here/change_blocks.py" "$1" "$2" "$3"
