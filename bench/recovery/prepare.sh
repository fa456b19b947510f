# Sourced by the bench scripts (bench/recovery/run.sh, where_time_goes.sh, bench/verification/run.sh) once $root (the
# worktree), $prefix (the work folder's name start) and $keep (1 keeps the work folder) are set: makes the work folder
# $work under $BENCH_WORK (else /tmp), installs QEMU and what the test guest is built from, builds the guest, copies
# the CLI and server under measurement into $work/lifeboat-cli and takes the machine-wide port 111 lock. Sets $work,
# $guest and $version.

mkdir -p "${BENCH_WORK:-/tmp}"
# Short: the VMs' monitor sockets live in here, and a unix socket path has at most 107 bytes.
work="$(mktemp -d "${BENCH_WORK:-/tmp}/$prefix.XXXXXX")"
finish() {
  local status=$?
  if [ "$keep" = 1 ]; then
    echo "${0##*/}: the work folder $work is kept." >&2
  elif [ "$status" != 0 ] && [ -d "$work/server" ]; then
    # The logs and consoles say what went wrong; the disks and the repository are only large.
    find "$work" -type f -size +64M -delete 2>/dev/null || true
    echo "${0##*/}: failed; the logs and the VMs' consoles are kept in $work (files over 64 MiB deleted)." >&2
  else
    rm -rf "$work"
  fi
}
trap finish EXIT

# QEMU with its nfs:// driver, and what tests/guest/build-guest.sh builds the guest from.
"$root/tools/ensure-debian-packages.sh" qemu-system-x86 qemu-utils qemu-block-extra e2fsprogs \
  busybox-static syslinux syslinux-common mtools cpio kmod python3

guest="$(bash "$root/tests/guest/build-guest.sh" | tail -n 1)"
[ -f "$guest/guest.raw" ] || { echo "${0##*/}: tests/guest/build-guest.sh printed no guest folder." >&2; exit 1; }

# ./lifeboat builds the CLI (and the server next to it) and rebuilds it whenever a source changes; the bench runs a
# copy so that an edit made meanwhile does not change the program under measurement.
cli="$root/.build/cli"
"$root/lifeboat" --help >/dev/null 2>"$work/lifeboat-build.txt" || {
  cat "$work/lifeboat-build.txt" >&2
  echo "${0##*/}: ./lifeboat does not build or run; fix that first." >&2
  exit 1
}
flock "$cli/.lock" cp -a "$cli" "$work/lifeboat-cli"
if [ ! -f "$work/lifeboat-cli/lifeboat-server.dll" ] || [ -e "$work/lifeboat-cli/.building" ]; then
  echo "${0##*/}: no finished build of the CLI and server in $cli after ./lifeboat ran; run ./lifeboat --help to see why." >&2
  exit 1
fi

# One mount server at a time on port 111 (QEMU's nfs:// driver finds it through portmap there): the test projects
# and `lifeboat quickstart` take the same lock.
exec 9>/tmp/lifeboat-tests-port111.lock
if ! flock -n 9; then
  echo "${0##*/}: another Lifeboat process (a test run or the quickstart) uses port 111; waiting for its turn..." >&2
  flock -w 1800 9 || { echo "${0##*/}: port 111 stayed busy for 30 minutes; run the bench when the tests are done." >&2; exit 1; }
fi

version="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$root" status --porcelain 2>/dev/null | head -n 1)" ] || version="$version + uncommitted changes"
