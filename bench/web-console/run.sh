#!/usr/bin/env bash
# The web console's page load and first live update with 50 sessions in the history, and the server's memory with the
# console open on a running session, measured in Debian's chromium. Writes results-<UTC date>.md beside this file.
# See README.md beside this file.
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# chromium for the browser; QEMU and what tests/guest/build-guest.sh builds the guest from.
"$root/tools/ensure-debian-packages.sh" chromium qemu-system-x86 qemu-utils e2fsprogs busybox-static syslinux \
  syslinux-common mtools cpio kmod

guest="$(bash "$root/tests/guest/build-guest.sh" | tail -n 1)"
dotnet build "$here/WebConsoleBench.csproj" -v quiet --nologo >&2
bench="$root/.build/artifacts/bin/WebConsoleBench/debug/WebConsoleBench.dll"

mkdir -p "${BENCH_WORK:-/tmp}"
# Short: the VM's monitor socket lives in here, and a unix socket path has at most 107 bytes.
work="$(mktemp -d "${BENCH_WORK:-/tmp}/lbweb.XXXXXX")"
trap 'status=$?; [ $status = 0 ] && rm -rf "$work" || echo "run.sh: failed; the server log is kept in $work/data.server.log." >&2' EXIT
# The mount server serves portmap on port 111 (a session checks that QEMU can find it there): take the machine-wide
# lock the tests, the quickstart and the other benches share.
exec 9>/tmp/lifeboat-tests-port111.lock
if ! flock -n 9; then
  echo "run.sh: waiting for port 111 (tests or another bench hold /tmp/lifeboat-tests-port111.lock)…" >&2
  flock -w 1800 9 || { echo "run.sh: port 111 stayed busy for 30 minutes; run the bench when the tests are done." >&2; exit 1; }
fi
dotnet "$bench" "$guest" "$work" "$here/results-$(date -u +%Y-%m-%d-%H%M).md" "$@"
