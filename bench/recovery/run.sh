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

prefix=lbrec
# shellcheck source=prepare.sh
. "$here/prepare.sh"

results="$here/results-$(date -u +%Y-%m-%d-%H%M).md"
python3 "$here/recovery_bench.py" --cli "$work/lifeboat-cli/lifeboat.dll" --guest "$guest" --work "$work" --runs "$runs" \
  --read-disk-mib "$read" --big-disk-mib "$big" --big-disk-data-mib "$bigdata" --results "$results" --command "bench/recovery/run.sh${arguments:+ $arguments}" --version "$version, .NET $(dotnet --version)"
echo "run.sh: wrote $results" >&2
