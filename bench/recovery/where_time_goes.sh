#!/usr/bin/env bash
# Where a profiled instant recovery's time goes against booting the raw file (where_time_goes.py): writes
# bench/recovery/where-time-goes-<date>.md. Takes the port 111 lock as run.sh does.
# usage: where_time_goes.sh [--runs 3] [--variants file-cold,nfs,profiled,...] (where_time_goes.py names them)
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs=3 variants=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="${2:?}"; shift 2 ;;
    --variants) variants="${2:?}"; shift 2 ;;
    *) echo "where_time_goes.sh: unknown argument '$1'; it takes --runs N and --variants file-cold,nfs,..." >&2; exit 2 ;;
  esac
done
case "$runs" in ''|*[!0-9]*|0) echo "where_time_goes.sh: --runs needs a whole number of at least 1, not '$runs'." >&2; exit 2 ;; esac
prefix=lbwtg keep=0
# shellcheck source=prepare.sh
. "$here/prepare.sh"
results="$here/where-time-goes-$(date -u +%Y-%m-%d-%H%M).md"
python3 "$here/where_time_goes.py" --cli "$work/lifeboat-cli/lifeboat.dll" --guest "$guest" --work "$work" --runs "$runs" \
  ${variants:+--variants "$variants"} --results "$results" \
  --command "bench/recovery/where_time_goes.sh --runs $runs${variants:+ --variants $variants}" --version "$version, .NET $(dotnet --version)"
echo "where_time_goes.sh: wrote $results" >&2
