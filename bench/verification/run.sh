#!/usr/bin/env bash
# Verification throughput: restore points verified per hour by one Lifeboat server on this machine, all queued at
# once (as many boot at once as --max-verifications allows, by default one per CPU) and one after another, over
# interleaved runs; then one failing and one timed-out verification, each checked for leftovers. Writes
# bench/verification/results-<date>.md. See README.md beside this file.
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

usage() {
  cat >&2 <<'USAGE'
usage: run.sh [--restore-points 6] [--runs 3] [--max-verifications N] [--keep]
  --restore-points N     back the test guest up into N restore points and verify each of them per run
  --runs N               timed runs of each way (all at once, one after another), interleaved, after one warm-up
  --max-verifications N  the server's bound on verifications booting at once (default: its own, one per CPU)
  --keep                 keep the work folder (under $BENCH_WORK, else /tmp) instead of deleting it
USAGE
  exit 2
}

arguments="$*"
points=6 runs=3 slots="" keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --restore-points) points="${2:?}"; shift 2 ;;
    --runs) runs="${2:?}"; shift 2 ;;
    --max-verifications) slots="${2:?}"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown argument '$1'." >&2; usage ;;
  esac
done
case "$points" in ''|*[!0-9]*|0|1) echo "run.sh: --restore-points needs a whole number of at least 2, not '$points'." >&2; exit 2 ;; esac
case "$runs" in ''|*[!0-9]*|0) echo "run.sh: --runs needs a whole number of at least 1, not '$runs'." >&2; exit 2 ;; esac
case "$slots" in '') ;; *[!0-9]*|0) echo "run.sh: --max-verifications needs a whole number of at least 1, not '$slots'." >&2; exit 2 ;; esac

prefix=lbver
# shellcheck source=../recovery/prepare.sh
. "$root/bench/recovery/prepare.sh"

results="$here/results-$(date -u +%Y-%m-%d-%H%M).md"
python3 "$here/verification_bench.py" --cli "$work/lifeboat-cli/lifeboat.dll" --guest "$guest" --work "$work" \
  --restore-points "$points" --runs "$runs" ${slots:+--max-verifications "$slots"} --results "$results" \
  --command "bench/verification/run.sh${arguments:+ $arguments}" --version "$version, .NET $(dotnet --version)"
echo "run.sh: wrote $results" >&2
