#!/usr/bin/env bash
# virsh against libvirt's C API (LibvirtConnection): the same operations over qemu+tcp to the tests' second libvirt
# host, with the test guest running there. Writes results-<UTC date>.md beside this file. Needs root (the host is a
# network namespace). Usage: run.sh [OPERATIONS (200)] [ROUNDS (3)]
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

"$root/tools/ensure-debian-packages.sh" qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients gnutls-bin \
  iproute2 util-linux e2fsprogs busybox-static syslinux syslinux-common mtools cpio kmod
guest="$(bash "$root/tests/guest/build-guest.sh" | tail -n 1)"
dotnet build "$here/LibvirtApiBench.csproj" -v quiet --nologo >&2
dotnet "$root/.build/artifacts/bin/LibvirtApiBench/debug/LibvirtApiBench.dll" "$guest" "$here/results-$(date -u +%Y-%m-%d-%H%M).md" "$@"
