#!/usr/bin/env bash
# The cost of the metrics exporter on the NFS read path, side by side: two mount servers publish the same backup,
# one with --metrics-listen (the exporter listens to every READ's counter and histogram) and one without; nfsbench
# reads each in turn (random 4 KiB reads, D in flight, from the hydration file after a warm-up pass), alternating
# which goes first, and prints ops/s and the server's CPU time per read (from /proc: on a machine shared with other
# work, ops/s swing with the load, CPU per read much less) of each, and the ratios with/without.
#   bench/nfs-peers/metrics.sh [--cli DIR] [--size 64M] [--reps 5] [--count 20000] [--depth 16] [--port 24190]
# --cli is the output of `dotnet publish src/Lifeboat.Cli -c Release -o DIR` (default: ./lifeboat, a Debug build).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$(cd "$here/../.." && pwd)"
cli="" size=64M reps=5 count=20000 depth=16 port=24190
while [ $# -gt 0 ]; do
  case "$1" in
    --cli) cli="${2:?}"; shift 2 ;; --size) size="${2:?}"; shift 2 ;; --reps) reps="${2:?}"; shift 2 ;;
    --count) count="${2:?}"; shift 2 ;; --depth) depth="${2:?}"; shift 2 ;; --port) port="${2:?}"; shift 2 ;;
    *) echo "metrics.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
# An array, not a function: a server started in the background is then the process $! names (its CPU is measured).
if [ -n "$cli" ]; then lifeboat=(dotnet "$cli/lifeboat.dll"); else lifeboat=("$root/lifeboat"); fi

bin="$root/.build/nfsbench"; mkdir -p "$bin"
gcc -O2 -g -Wall -Wextra -Werror -std=gnu11 -o "$bin/nfsbench" "$here"/nfsbench/*.c $(pkg-config --cflags --libs libnfs) -lpthread
work="$(mktemp -d "${BENCH_WORK:-/tmp}/metricsbench.XXXXXX")"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

head -c "$(numfmt --from=iec "$size")" /dev/urandom > "$work/disk.raw"
"${lifeboat[@]}" repo init "$work/repo" > /dev/null
"${lifeboat[@]}" backup --repo "$work/repo" --vm bench --disk "$work/disk.raw" > /dev/null
start() { # NAME PORT EXTRA...
  local name=$1 p=$2; shift 2
  "${lifeboat[@]}" mount-server --repo "$work/repo" --cache "$work/cache-$name" --listen 127.0.0.1 --nfs-port "$p" --portmap-port 0 \
    --nbd-port 0 --control-socket "$work/$name.sock" --publish bench "$@" > "$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "Mount server on port" "$work/$name.log" && return; sleep 0.2; done
  echo "metrics.sh: the $name mount server did not start:" >&2; cat "$work/$name.log" >&2; exit 1
}
start off "$port"
start on "$((port + 1))" --metrics-listen "127.0.0.1:$((port + 2))"
declare -A pid=([off]="${pids[0]}" [on]="${pids[1]}")
url() { echo "nfs://127.0.0.1/lifeboat/bench/disk0.raw?nfsport=$1&mountport=$1"; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, in clock ticks
run() { # LABEL PORT SEED PID: nfsbench's JSON line, with the server's CPU ticks during the run added
  local before after line
  before=$(cpu "$4")
  line=$("$bin/nfsbench" nfs "$(url "$2")" --test randread --depth "$depth" --count "$count" --bs 4096 --passes 1 --label "$1" --seed "$3")
  after=$(cpu "$4")
  echo "${line%\}},\"server_cpu_ticks\":$((after - before)),\"ticks_per_s\":$(getconf CLK_TCK)}"
}
# Warm-up: a sequential pass hydrates every block, so the timed passes measure the server, not the decoder.
for t in off:$port on:$((port + 1)); do "$bin/nfsbench" nfs "$(url "${t#*:}")" --test seqread --depth 4 --bs 1048576 --passes 1 --label warm > /dev/null; done
sleep 2
: > "$work/results.jsonl"
for rep in $(seq "$reps"); do
  if [ $((rep % 2)) = 1 ]; then order="off:$port on:$((port + 1))"; else order="on:$((port + 1)) off:$port"; fi
  for t in $order; do run "${t%%:*}" "${t#*:}" "$rep" "${pid[${t%%:*}]}" >> "$work/results.jsonl"; done
done
curl -sf "http://127.0.0.1:$((port + 2))/metrics" | grep -E '^lifeboat_nfs_operations_total\{procedure="READ"\}' || true
python3 - "$work/results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by, cpu = {}, {}
for r in rows:
    by.setdefault(r["label"], []).append(r["ops_per_s"])
    cpu.setdefault(r["label"], []).append(1e6 * r["server_cpu_ticks"] / r["ticks_per_s"] / r["ops"])
off, on = statistics.median(by["off"]), statistics.median(by["on"])
coff, con = statistics.median(cpu["off"]), statistics.median(cpu["on"])
print(f"random 4 KiB reads, depth {rows[0]['depth']}, median of {len(by['off'])} runs each:")
print(f"  ops/s: without exporter {off:.0f}, with {on:.0f}, ratio with/without {on / off:.3f}")
print(f"  server CPU per read: without {coff:.1f} us, with {con:.1f} us, ratio with/without {con / coff:.3f}")
for label in ("off", "on"):
    print(f"  runs {label}: " + " ".join(f"{o:.0f}/s {c:.1f}us" for o, c in zip(by[label], cpu[label])))
PY
