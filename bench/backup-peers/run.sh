#!/usr/bin/env bash
# Side-by-side backup benchmark: Lifeboat against restic and borg on the same generated disk image.
# For each tool: init, backup 1 (timed, peak RSS), change ~5% of the 1 MiB data blocks, backup 2, bytes
# stored, restore of the second backup to a file (timed, peak RSS) and a bit-exact check of what was
# restored. Prints a Markdown table and the ratios of Lifeboat against each peer measured in the same run,
# and writes them to bench/backup-peers/results-<date>.md. See README.md beside this file.
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

usage() {
  cat >&2 <<'EOF'
usage: run.sh [--size 2G] [--runs N] [--tools lifeboat,restic,borg]
              [--block-sizes 64K,256K,1M] [--compressions zstd,lz4] [--encrypt]
              [--change-percent 5] [--seed 1] [--keep]
  --tools          any of lifeboat, restic, borg (= borg-lz4 and borg-zstd3), borg-lz4, borg-zstd3
  --block-sizes, --compressions
                   run Lifeboat once per combination (without them: once, with the repository defaults)
  --encrypt        encrypt Lifeboat's and borg's repositories too (restic always encrypts)
  --keep           keep the work folder (under $BENCH_WORK, else /tmp) instead of deleting it
EOF
  exit 2
}

arguments="$*"
size=2G runs=1 tools=lifeboat,restic,borg block_sizes="" compressions="" encrypt=0 percent=5 seed=1 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size="${2:?}"; shift 2 ;;
    --runs) runs="${2:?}"; shift 2 ;;
    --tools) tools="${2:?}"; shift 2 ;;
    --block-sizes) block_sizes="${2:?}"; shift 2 ;;
    --compressions) compressions="${2:?}"; shift 2 ;;
    --encrypt) encrypt=1; shift ;;
    --change-percent) percent="${2:?}"; shift 2 ;;
    --seed) seed="${2:?}"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown argument '$1'." >&2; usage ;;
  esac
done
case "$runs" in ''|*[!0-9]*|0) echo "run.sh: --runs needs a whole number of at least 1, not '$runs'." >&2; exit 2 ;; esac

# Tool configurations, in the order they run: "kind|label|setting|setting".
configs=()
IFS=, read -r -a tool_list <<<"$tools"
for tool in "${tool_list[@]}"; do
  case "$tool" in
    lifeboat)
      if [ -z "$block_sizes$compressions" ]; then
        configs+=("lifeboat|lifeboat||")
      else
        IFS=, read -r -a bs_list <<<"${block_sizes:-}"; [ ${#bs_list[@]} -gt 0 ] || bs_list=("")
        IFS=, read -r -a codec_list <<<"${compressions:-}"; [ ${#codec_list[@]} -gt 0 ] || codec_list=("")
        for bs in "${bs_list[@]}"; do
          for codec in "${codec_list[@]}"; do
            configs+=("lifeboat|lifeboat ${bs:-default} ${codec:-default}|$bs|$codec")
          done
        done
      fi ;;
    restic) configs+=("restic|restic (auto)||") ;;
    borg) configs+=("borg|borg lz4|lz4|" "borg|borg zstd,3|zstd,3|") ;;
    borg-lz4) configs+=("borg|borg lz4|lz4|") ;;
    borg-zstd3) configs+=("borg|borg zstd,3|zstd,3|") ;;
    *) echo "run.sh: unknown tool '$tool' in --tools (use lifeboat, restic, borg, borg-lz4, borg-zstd3)." >&2; exit 2 ;;
  esac
done
[ ${#configs[@]} -gt 0 ] || { echo "run.sh: --tools names no tool." >&2; exit 2; }

# What the run needs: /usr/bin/time (Debian: time), the peers, e2fsprogs and python3 for the image.
needs=(time e2fsprogs python3)
case ",$tools," in *,restic,*) needs+=(restic) ;; esac
case ",$tools," in *,borg*) needs+=(borgbackup) ;; esac
"$root/tools/ensure-debian-packages.sh" "${needs[@]}"

mkdir -p "${BENCH_WORK:-/tmp}"
work="$(mktemp -d "${BENCH_WORK:-/tmp}/lifeboat-bench.XXXXXX")"
fail() {
  echo "run.sh: $*" >&2
  echo "run.sh: stopped; the work folder $work is kept for a look (delete it when done)." >&2
  exit 1
}
trap 'fail "an unexpected command failed at line $LINENO of run.sh."' ERR

export RESTIC_PASSWORD=lifeboat-bench RESTIC_CACHE_DIR="$work/restic-cache"
export BORG_BASE_DIR="$work/borg-base" BORG_PASSPHRASE=lifeboat-bench
export LIFEBOAT_PASSWORD=lifeboat-bench
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

lifeboat=()
case ",$tools," in
  *,lifeboat,*)
    # ./lifeboat builds the CLI and rebuilds it whenever a source changes. Build it now, then run a copy
    # of that build: no build lands inside a timed step and every tool config runs the same Lifeboat.
    "$root/lifeboat" --help >/dev/null 2>"$work/lifeboat-build.txt" || {
      cat "$work/lifeboat-build.txt" >&2
      fail "./lifeboat does not build or run yet; run with --tools restic,borg until it does."
    }
    cli="$root/.build/cli"
    flock "$cli/.lock" cp -a "$cli" "$work/lifeboat-cli"
    if [ ! -f "$work/lifeboat-cli/lifeboat.dll" ] || [ -e "$work/lifeboat-cli/.building" ]; then
      fail "no finished build of the CLI in $cli after ./lifeboat ran; run ./lifeboat --help to see why."
    fi
    lifeboat=(dotnet "$work/lifeboat-cli/lifeboat.dll") ;;
esac

# M_SECONDS, M_CPU (user + system seconds) and M_RSS_KB (peak resident set) of one command.
measure() {
  local label="$1" out="$2"; shift 2
  sync
  local t0 t1
  t0=$(date +%s%N)
  if ! /usr/bin/time -v -o "$work/time.txt" "$@" >"$out" 2>"$work/stderr.txt"; then
    tail -n 15 "$work/stderr.txt" >&2
    fail "$label failed (its last messages are above; its output is in $out)."
  fi
  t1=$(date +%s%N)
  M_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  M_CPU=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.2f", u + s}' "$work/time.txt")
  M_RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  [ -n "$M_RSS_KB" ] || fail "$label: /usr/bin/time -v reported no peak resident set size."
}

quiet() { # a step that is not timed
  local label="$1"; shift
  "$@" >"$work/quiet.txt" 2>"$work/quiet.err" || { tail -n 15 "$work/quiet.err" >&2; fail "$label failed (messages above)."; }
}

echo "run.sh: work folder $work" >&2
echo "run.sh: making the ${size} lab image (seed $seed) and its changed copy ($percent% of the data blocks)..." >&2
"$here/make-lab-image.sh" "$work/base.img" "$size" "$seed" 2>"$work/image.txt" || { cat "$work/image.txt" >&2; fail "making the lab image failed."; }
cp --sparse=always "$work/base.img" "$work/changed.img"
"$here/change-blocks.sh" "$work/changed.img" "$percent" "$seed" 2>"$work/change.txt" || { cat "$work/change.txt" >&2; fail "changing the image failed."; }
cat "$work/image.txt" "$work/change.txt" >&2
image_bytes=$(stat -c %s "$work/base.img")
disk="$work/disk.img" repo="$work/repo" restore="$work/restore"
results="$work/results.tsv"
printf 'run\tkind\tlabel\tsettings\tb1_s\tb1_cpu\tb1_rss_kb\tb2_s\tb2_cpu\tb2_rss_kb\tstored1\tstored2\trestore_s\trestore_cpu\trestore_rss_kb\n' >"$results"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

run_one() { # RUN KIND LABEL SETTING1 SETTING2
  local run="$1" kind="$2" label="$3" s1="$4" s2="$5" settings="" restored=""
  rm -rf "$repo" "$restore" "$RESTIC_CACHE_DIR" "$BORG_BASE_DIR"
  mkdir -p "$restore"
  cp --sparse=always "$work/base.img" "$disk"
  echo "run.sh: run $run: $label..." >&2

  case "$kind" in
    lifeboat)
      local init=("${lifeboat[@]}" repo init "$repo" --json)
      [ -z "$s1" ] || init+=(--block-size "$s1")
      [ -z "$s2" ] || init+=(--compression "$s2")
      [ "$encrypt" = 0 ] || init+=(--encrypt)
      quiet "$label: repo init" "${init[@]}"
      settings=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); b=d["blockSize"]; print("block %s, %s%s" % ("%dM" % (b >> 20) if b % (1 << 20) == 0 else "%dK" % (b >> 10), d["compression"], ", encrypted" if d.get("encrypted") else ""))' "$work/quiet.txt") \
        || fail "$label: repo init printed no JSON the script understands (see $work/quiet.txt)."
      measure "$label: backup 1" "$work/b1.json" "${lifeboat[@]}" backup --repo "$repo" --vm lab --disk "$disk" --json ;;
    restic)
      quiet "$label: init" restic -r "$repo" init --repository-version 2
      settings="compression auto (zstd), encrypted"
      measure "$label: backup 1" "$work/b1.txt" restic -r "$repo" backup --compression auto "$disk" ;;
    borg)
      local mode=none; [ "$encrypt" = 0 ] || mode=repokey
      quiet "$label: init" borg init -e "$mode" "$repo"
      settings="-C $s1, -e $mode"
      measure "$label: backup 1" "$work/b1.txt" borg create -C "$s1" "$repo::b1" "$disk" ;;
  esac
  local b1_s=$M_SECONDS b1_cpu=$M_CPU b1_rss=$M_RSS_KB
  local stored1; stored1=$(du -sb "$repo" | cut -f1)

  cp --sparse=always "$work/changed.img" "$disk"
  case "$kind" in
    lifeboat) measure "$label: backup 2" "$work/b2.json" "${lifeboat[@]}" backup --repo "$repo" --vm lab --disk "$disk" --json ;;
    restic) measure "$label: backup 2" "$work/b2.txt" restic -r "$repo" backup --compression auto "$disk" ;;
    borg) measure "$label: backup 2" "$work/b2.txt" borg create -C "$s1" "$repo::b2" "$disk" ;;
  esac
  local b2_s=$M_SECONDS b2_cpu=$M_CPU b2_rss=$M_RSS_KB
  local stored2; stored2=$(du -sb "$repo" | cut -f1)

  case "$kind" in
    lifeboat)
      measure "$label: restore" "$work/restore.json" "${lifeboat[@]}" restore --repo "$repo" --restore-point latest --vm lab --to "$restore" --json
      restored=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1])).get("files") or []; print(f[0] if len(f) == 1 else "")' "$work/restore.json" 2>/dev/null || true) ;;
    restic) measure "$label: restore" "$work/restore.txt" restic -r "$repo" restore latest --target "$restore" ;;
    borg) # borg extracts into the current folder
      cd "$restore"
      measure "$label: restore" "$work/restore.txt" borg extract --sparse "$repo::b2"
      cd "$work" ;;
  esac
  local r_s=$M_SECONDS r_cpu=$M_CPU r_rss=$M_RSS_KB
  if [ -z "$restored" ]; then
    local found; found=$(find "$restore" -type f)
    if [ -z "$found" ] || [ "$(printf '%s\n' "$found" | wc -l)" -ne 1 ]; then
      fail "$label: the restore should have written one file into $restore, it wrote: ${found:-nothing}."
    fi
    restored="$found"
  fi
  cmp -s "$restored" "$work/changed.img" \
    || fail "$label: the restored image $restored differs from the image backed up ($work/changed.img)."

  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$kind" "$label" "$settings" \
    "$b1_s" "$b1_cpu" "$b1_rss" "$b2_s" "$b2_cpu" "$b2_rss" "$stored1" "$stored2" "$r_s" "$r_cpu" "$r_rss" >>"$results"
  awk -v l="$label" -v n="$image_bytes" -v a="$b1_s" -v b="$b2_s" -v r="$r_s" -v s="$stored2" \
    'BEGIN { printf "run.sh:   %s: backup 1 %.0f MB/s, backup 2 %.0f MB/s, restore %.0f MB/s, stored %.0f MB, restore bit-exact\n", l, n/1e6/a, n/1e6/b, n/1e6/r, s/1e6 }' >&2
  rm -rf "$repo" "$restore"
}

for ((run = 1; run <= runs; run++)); do
  # Each run starts one tool later in the list, so no tool always goes first or last.
  count=${#configs[@]}
  for ((i = 0; i < count; i++)); do
    IFS='|' read -r kind label s1 s2 <<<"${configs[$(((i + run - 1) % count))]}"
    run_one "$run" "$kind" "$label" "$s1" "$s2"
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

stamp=$(date +%Y-%m-%d-%H%M)
report="$here/results-$stamp.md"
{
  echo "# Backup peers, $(date '+%Y-%m-%d %H:%M %Z')"
  echo
  echo "Command: \`bench/backup-peers/run.sh $arguments\` (size $size, $runs run(s), tools $tools${block_sizes:+, block sizes $block_sizes}${compressions:+, compressions $compressions}$([ "$encrypt" = 0 ] || echo ', encrypted'))."
  echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/Mem:/ {print $2}') GiB;" \
    "load average $load_start at the start, $load_end at the end (other processes share the cores: figures are noisy)."
  echo "Versions: Lifeboat $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$( [ -z "$(git -C "$root" status --porcelain -- src 2>/dev/null)" ] || echo ' + uncommitted changes'), .NET $(dotnet --version 2>/dev/null || echo '?');" \
    "$(restic version 2>/dev/null | cut -d' ' -f1-2 || true); $(borg --version 2>/dev/null || true)."
  echo "Image: $(sed -n 's/^lab content in [^:]*: //p' "$work/image.txt") in a $size ext4 image ($(du -B1 "$work/base.img" | cut -f1 | numfmt --to=si)B allocated);" \
    "change: $(sed -n 's/^changed \(.*\) in .*: \(.*\)$/\1: \2/p' "$work/change.txt")."
  echo
  python3 "$here/report.py" "$results" "$image_bytes"
} >"$report"
cat "$report"
echo "run.sh: wrote $report" >&2
if [ "$keep" = 1 ]; then
  echo "run.sh: kept the work folder $work" >&2
else
  cd "$here"
  rm -rf "$work"
fi
