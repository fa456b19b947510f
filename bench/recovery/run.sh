#!/usr/bin/env bash
# Recovery time of instant recovery against (a) a full `lifeboat restore` followed by a boot of the restored file
# and (b) a boot of the original raw file, for the test guest, over interleaved runs; and live-migration (mirror)
# throughput against cp of the raw disk. Writes a Markdown table with the ratios to
# bench/recovery/results-<date>.md. See README.md beside this file.
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

usage() {
  cat >&2 <<'USAGE'
usage: run.sh [--runs 3] [--read-disk-mib 384] [--big-disk-mib 8192] [--big-disk-data-mib 6144] [--keep]
  --runs N               timed runs of each method per guest (after one untimed warm-up of each), interleaved
  --read-disk-mib N      also recover the test guest with a second disk of N MiB of libraries, text and random bytes,
                         which its init reads whole at boot (mode read); 0 leaves this guest out
  --big-disk-mib N       also recover the test guest on an N MiB disk holding random data where no partition is
                         (what a full restore, a mirror or a copy must carry); 0 leaves this guest out
  --big-disk-data-mib N  how much of the large disk holds data, spread over it in runs; the rest stays holes
  --keep                 keep the work folder (under $BENCH_WORK, else /tmp) instead of deleting it
USAGE
  exit 2
}

arguments="$*"
runs=3 read=384 big=8192 bigdata=6144 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="${2:?}"; shift 2 ;;
    --read-disk-mib) read="${2:?}"; shift 2 ;;
    --big-disk-mib) big="${2:?}"; shift 2 ;;
    --big-disk-data-mib) bigdata="${2:?}"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown argument '$1'." >&2; usage ;;
  esac
done
case "$runs" in ''|*[!0-9]*|0) echo "run.sh: --runs needs a whole number of at least 1, not '$runs'." >&2; exit 2 ;; esac
case "$read" in ''|*[!0-9]*) echo "run.sh: --read-disk-mib needs a whole number of MiB (0 for none), not '$read'." >&2; exit 2 ;; esac
case "$big" in ''|*[!0-9]*) echo "run.sh: --big-disk-mib needs a whole number of MiB (0 for none), not '$big'." >&2; exit 2 ;; esac
case "$bigdata" in ''|*[!0-9]*|0) echo "run.sh: --big-disk-data-mib needs a whole number of MiB of at least 1, not '$bigdata'." >&2; exit 2 ;; esac

# QEMU with its nfs:// driver, and what tests/guest/build-guest.sh builds the guest from.
"$root/tools/ensure-debian-packages.sh" qemu-system-x86 qemu-utils qemu-block-extra e2fsprogs \
  busybox-static syslinux syslinux-common mtools cpio kmod python3

mkdir -p "${BENCH_WORK:-/tmp}"
# Short: the VMs' monitor sockets live in here, and a unix socket path has at most 107 bytes.
work="$(mktemp -d "${BENCH_WORK:-/tmp}/lbrec.XXXXXX")"
finish() {
  local status=$?
  if [ "$keep" = 1 ]; then
    echo "run.sh: the work folder $work is kept." >&2
  elif [ "$status" != 0 ] && [ -d "$work/server" ]; then
    # The logs and consoles say what went wrong; the disks and the repository are only large.
    find "$work" -type f -size +64M -delete 2>/dev/null || true
    echo "run.sh: failed; the logs and the VMs' consoles are kept in $work (files over 64 MiB deleted)." >&2
  else
    rm -rf "$work"
  fi
}
trap finish EXIT

guest="$(bash "$root/tests/guest/build-guest.sh" | tail -n 1)"
[ -f "$guest/guest.raw" ] || { echo "run.sh: tests/guest/build-guest.sh printed no guest folder." >&2; exit 1; }

# ./lifeboat builds the CLI (and the server next to it) and rebuilds it whenever a source changes; the bench runs a
# copy so that an edit made meanwhile does not change the program under measurement.
cli="$root/.build/cli"
"$root/lifeboat" --help >/dev/null 2>"$work/lifeboat-build.txt" || {
  cat "$work/lifeboat-build.txt" >&2
  echo "run.sh: ./lifeboat does not build or run; fix that first." >&2
  exit 1
}
flock "$cli/.lock" cp -a "$cli" "$work/lifeboat-cli"
if [ ! -f "$work/lifeboat-cli/lifeboat-server.dll" ] || [ -e "$work/lifeboat-cli/.building" ]; then
  echo "run.sh: no finished build of the CLI and server in $cli after ./lifeboat ran; run ./lifeboat --help to see why." >&2
  exit 1
fi

# One mount server at a time on port 111 (QEMU's nfs:// driver finds it through portmap there): the test projects
# and `lifeboat quickstart` take the same lock.
exec 9>/tmp/lifeboat-tests-port111.lock
if ! flock -n 9; then
  echo "run.sh: another Lifeboat process (a test run or the quickstart) uses port 111; waiting for its turn..." >&2
  flock -w 1800 9 || { echo "run.sh: port 111 stayed busy for 30 minutes; run the bench when the tests are done." >&2; exit 1; }
fi

version="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$root" status --porcelain 2>/dev/null | head -n 1)" ] || version="$version + uncommitted changes"
results="$here/results-$(date -u +%Y-%m-%d-%H%M).md"
python3 "$here/recovery_bench.py" --cli "$work/lifeboat-cli/lifeboat.dll" --guest "$guest" --work "$work" --runs "$runs" \
  --read-disk-mib "$read" --big-disk-mib "$big" --big-disk-data-mib "$bigdata" --results "$results" --command "bench/recovery/run.sh${arguments:+ $arguments}" --version "$version, .NET $(dotnet --version)"
echo "run.sh: wrote $results" >&2
