#!/usr/bin/env bash
# Warm 4 KiB random reads only, in short passes that alternate between nfs-ganesha and two Lifeboat builds
# serving the same disk, every server started once and warmed first: each round reads every 4 KiB block of the
# disk once per depth on each target, in a new order, the targets' order reversed every other round. Prints and
# writes results-warm-<date>.md: median ops/s [min-max], ratios of the medians and paired by round, and each
# server's CPU time per READ (ganesha's too). See README.md ("warm.sh").
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

usage() {
  echo "usage: warm.sh --base-cli DIR --lifeboat-cli DIR [--size 256M] [--rounds 6] [--depths 1,16] [--port 24190] [--no-results-file]" >&2
  exit 2
}
arguments="$*"
base_cli="" lifeboat_cli="" size=256M rounds=6 depths=1,16 port=24190 results_file=1
while [ $# -gt 0 ]; do
  case "$1" in
    --base-cli) base_cli="${2:?}"; shift 2 ;;
    --lifeboat-cli) lifeboat_cli="${2:?}"; shift 2 ;;
    --size) size="${2:?}"; shift 2 ;;
    --rounds) rounds="${2:?}"; shift 2 ;;
    --depths) depths="${2:?}"; shift 2 ;;
    --port) port="${2:?}"; shift 2 ;;
    --no-results-file) results_file=0; shift ;;
    *) usage ;;
  esac
done
for d in "$base_cli" "$lifeboat_cli"; do
  [ -n "$d" ] && [ -f "$d/lifeboat.dll" ] || { echo "warm.sh: give --base-cli and --lifeboat-cli, each the output folder of dotnet publish src/Lifeboat.Cli." >&2; exit 2; }
done

"$root/tools/ensure-debian-packages.sh" build-essential pkg-config libnfs-dev nfs-ganesha nfs-ganesha-vfs rpcbind iproute2 python3
bin="$root/.build/nfsbench"
mkdir -p "$bin"
gcc -O2 -g -Wall -Wextra -Werror -std=gnu11 -o "$bin/nfsbench" "$here"/nfsbench/*.c $(pkg-config --cflags --libs libnfs) -lpthread
nfsbench="$bin/nfsbench"
source "$here/../cpu-ticks.sh"
source "$here/../keep-results.sh"

work="$(mktemp -d "${BENCH_WORK:-/tmp}/nfswarm.XXXXXX")"
declare -A pid=() url=()
ganesha_started=0
cleanup() {
  for t in base lifeboat; do
    [ -z "${pid[$t]:-}" ] || { kill -TERM "${pid[$t]}" 2>/dev/null || true; wait "${pid[$t]}" 2>/dev/null || true; }
  done
  [ "$ganesha_started" = 0 ] || "$here/ganesha.sh" stop "$work/export" "$port" || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/export"
head -c "$size" /dev/urandom >"$work/export/disk0.raw"
blocks=$(( $(stat -c %s "$work/export/disk0.raw") / 4096 ))
cp -a "$lifeboat_cli" "$work/lifeboat-cli"
cp -a "$base_cli" "$work/base-cli"
dotnet "$work/lifeboat-cli/lifeboat.dll" repo init "$work/repo" >/dev/null
dotnet "$work/lifeboat-cli/lifeboat.dll" backup --repo "$work/repo" --vm bench --disk "$work/export/disk0.raw" >/dev/null

start_lifeboat() {
  local name=$1 nfs_port=$2
  mkdir -p "$work/$name-cache"
  dotnet "$work/$name-cli/lifeboat.dll" mount-server --json --repo "$work/repo" --cache "$work/$name-cache" --listen 127.0.0.1 \
    --nfs-port "$nfs_port" --portmap-port 0 --nbd-port 0 --publish bench --control-socket "$work/control-$name.sock" >"$work/$name.out" 2>&1 &
  pid[$name]=$!
  for _ in $(seq 600); do
    url[$name]=$(grep -oE 'nfs://[^[:space:]"]*disk0\.raw[^[:space:]"]*' "$work/$name.out" 2>/dev/null | sed 's/\\u0026/\&/g' | grep -m1 'nfsport=' || true)
    [ -n "${url[$name]}" ] && return 0
    sleep 0.1
  done
  tail -n 20 "$work/$name.out" >&2
  echo "warm.sh: the $name mount server printed no nfs:// URL in 60 s." >&2
  exit 1
}
start_lifeboat base $((port + 20))
start_lifeboat lifeboat $((port + 10))

# nfs-ganesha registers with the machine's rpcbind, as the test suites' mount servers do: take turns through their lock.
exec 8>/tmp/lifeboat-tests-port111.lock
flock 8
ganesha_base=$("$here/ganesha.sh" start "$work/export" "$port")
ganesha_started=1
url[ganesha]="${ganesha_base%%\?*}/disk0.raw?${ganesha_base#*\?}"
pid[ganesha]=$(cat "/tmp/nfsbench-ganesha-$port/ganesha.pid")

# Warm: every block read once through each server (Lifeboat hydrates it, ganesha's file lands in the page cache).
for t in ganesha base lifeboat; do
  "$nfsbench" check "${url[$t]}" "$work/export/disk0.raw" >/dev/null || { echo "warm.sh: $t returned wrong bytes." >&2; exit 1; }
  "$nfsbench" nfs "${url[$t]}" --test seqread --passes 1 >/dev/null
done

results="$work/warm.jsonl"
load_before=$(cut -d" " -f1-3 /proc/loadavg)
targets=(ganesha base lifeboat)
for round in $(seq "$rounds"); do
  order=("${targets[@]}")
  [ $((round % 2)) = 1 ] || order=(lifeboat base ganesha)
  for depth in ${depths//,/ }; do
    for t in "${order[@]}"; do
      before=$(cpu_ticks "${pid[$t]}")
      line=$("$nfsbench" nfs "${url[$t]}" --label "$t" --test randread --depth "$depth" --count "$blocks" --passes 1 --seed $((round * 100 + depth)))
      echo "$line" | python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); r.update(round=int(sys.argv[1]), cpu_s=int(sys.argv[2])/int(sys.argv[3])); print(json.dumps(r))' \
        "$round" $(( $(cpu_ticks "${pid[$t]}") - before )) "$(getconf CLK_TCK)" >>"$results"
    done
  done
  echo "warm.sh: round $round of $rounds" >&2
done
load_after=$(cut -d" " -f1-3 /proc/loadavg)
peak=""
for t in "${targets[@]}"; do peak+="$t $(awk '/^VmHWM/ { printf "%.0f MiB", $2 / 1024 }' "/proc/${pid[$t]}/status"), "; done

report="$work/report.md"
{
  echo "# Warm NFS reads side by side, $(date '+%Y-%m-%d %H:%M')"
  echo
  echo "Command: \`bench/nfs-peers/warm.sh $arguments\`; disk $((blocks / 256)) MiB of random bytes, every block read once per round and depth."
  echo "Load average $load_before before, $load_after after; $(nproc) cores. Peak RSS: ${peak%, }."
  echo
  python3 "$here/warm-report.py" "$results"
} >"$report"
cat "$report"
[ "$results_file" = 0 ] || keep_results "$report" "$results" "$here/results-warm"
