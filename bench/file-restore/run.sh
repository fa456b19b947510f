#!/usr/bin/env bash
# The file-restore engine (libguestfs's C API through FileRestoreBrowser, over qemu-nbd) against guestfish and nbdcopy:
# time to the first listing, later listings, a 1 GiB download, memory with 1 and 4 appliances, and the cost of one call
# through the C API against `guestfish --remote`. Writes results-<UTC date>.md beside this file.
# Usage: run.sh [CALLS (200)]
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

"$root/tools/ensure-debian-packages.sh" qemu-utils libguestfs0 libguestfs-tools libguestfs-xfs ntfs-3g libnbd-bin
dotnet build "$here/FileRestoreBench.csproj" -v quiet --nologo >&2
dotnet "$root/.build/artifacts/bin/FileRestoreBench/debug/FileRestoreBench.dll" "$root" "$here/results-$(date -u +%Y-%m-%d-%H%M).md" "$@"
