#!/usr/bin/env bash
# Recovery onto the tests' second libvirt host (network namespace + veth pair + its own libvirtd) over NFS and NBD
# against recovery onto this machine's QEMU host and against booting the raw disk on that host with virsh, and live
# migration throughput there against here, interleaved in one run. Writes results-<UTC date>.md beside this file.
# Needs root (the host is a network namespace). See README.md beside this file.
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

usage() {
  cat >&2 <<'USAGE'
usage: run.sh [--runs 5] [--disk-mib 1024] [--disk-data-mib 768] [--keep]
  --runs N            timed rounds of each method (after one untimed warm-up of each), interleaved
  --disk-mib N        the test guest's disk grown to N MiB (what a migration carries) ...
  --disk-data-mib N   ... holding N MiB of random data where no partition is
  --keep              keep the work folder (under $BENCH_WORK, else /tmp) instead of deleting it
USAGE
  exit 2
}

arguments="$*"
runs=5 disk=1024 data=768 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="${2:?}"; shift 2 ;;
    --disk-mib) disk="${2:?}"; shift 2 ;;
    --disk-data-mib) data="${2:?}"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown argument '$1'." >&2; usage ;;
  esac
done
case "$runs" in ''|*[!0-9]*|0) echo "run.sh: --runs needs a whole number of at least 1, not '$runs'." >&2; exit 2 ;; esac
case "$disk" in ''|*[!0-9]*|0) echo "run.sh: --disk-mib needs a whole number of MiB, not '$disk'." >&2; exit 2 ;; esac
case "$data" in ''|*[!0-9]*|0) echo "run.sh: --disk-data-mib needs a whole number of MiB, not '$data'." >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "run.sh: run as root: the second libvirt host is a network namespace." >&2; exit 1; }

"$root/tools/ensure-debian-packages.sh" libvirt-daemon-system libvirt-clients gnutls-bin iproute2 util-linux
prefix=lbhost
# shellcheck source=../recovery/prepare.sh
. "$root/bench/recovery/prepare.sh"

dotnet build "$here/Lifeboat.HostsBench/Lifeboat.HostsBench.csproj" -c Debug -v quiet --nologo >&2
holder="$root/.build/artifacts/bin/Lifeboat.HostsBench/debug/Lifeboat.HostsBench.dll"

results="$here/results-$(date -u +%Y-%m-%d-%H%M).md"
python3 "$here/hosts_bench.py" --cli "$work/lifeboat-cli/lifeboat.dll" --guest "$guest" --work "$work" --runs "$runs" \
  --disk-mib "$disk" --disk-data-mib "$data" --holder "$holder" --results "$results" \
  --command "bench/hosts/run.sh${arguments:+ $arguments}" --version "$version, .NET $(dotnet --version)"
echo "run.sh: wrote $results" >&2
