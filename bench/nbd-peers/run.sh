#!/usr/bin/env bash
# Side-by-side NBD benchmark: one raw file served by Lifeboat's NbdServer (bench/Lifeboat.NbdFileServer), by
# `nbdkit --filter=cow file` and by `qemu-nbd`, each driven by fio's nbd engine with the same jobs, one
# server after the other. Prints a Markdown table with the ratios lifeboat/nbdkit and lifeboat/qemu-nbd and
# writes it to bench/nbd-peers/results-<date>.md. See README.md beside this file.
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

size=512M runtime=8 ramp=2 port=24190 results_file=1 base_server="" reps=1 builds_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size="${2:?}"; shift 2 ;;
    --runtime) runtime="${2:?}"; shift 2 ;;
    --port) port="${2:?}"; shift 2 ;;
    --no-results-file) results_file=0; shift ;;
    --base-server) base_server="$(cd "${2:?}" && pwd)"; shift 2 ;;
    --reps) reps="${2:?}"; shift 2 ;;
    --builds-only) builds_only=1; shift ;;
    -h|--help) echo "usage: run.sh [--size 512M] [--runtime 8] [--port 24190] [--base-server DIR [--builds-only]] [--reps 1] [--no-results-file]" >&2; exit 2 ;;
    *) echo "run.sh: unknown argument '$1'." >&2; exit 2 ;;
  esac
done

[ "$builds_only" = 0 ] || [ -n "$base_server" ] || { echo "run.sh: --builds-only needs --base-server (two builds to compare)." >&2; exit 2; }

"$root/tools/ensure-debian-packages.sh" nbdkit qemu-utils fio python3

work="$(mktemp -d "${BENCH_WORK:-/tmp}/nbd-peers.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "Building the Lifeboat NBD file server (Release)..." >&2
dotnet build "$root/bench/Lifeboat.NbdFileServer" -c Release --nologo -v quiet >&2
server_dll="$root/.build/artifacts/bin/Lifeboat.NbdFileServer/release/Lifeboat.NbdFileServer.dll"

# One random file, copied per server so one server's writes never reach another's reads.
head -c "$size" /dev/urandom > "$work/source.raw"
targets=(lifeboat nbdkit qemu-nbd)
# --base-server DIR: the NbdFileServer build of another tree (its bin folder) as target "base", served right after
# Lifeboat's, for before/after figures of a change in one run.
[ -n "$base_server" ] && targets=(base lifeboat nbdkit qemu-nbd)
# --builds-only: the two builds alone, so more repetitions fit in a quiet spell of a shared machine.
[ "$builds_only" = 1 ] && targets=(base lifeboat)
for t in "${targets[@]}"; do cp "$work/source.raw" "$work/$t.raw"; done

wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "run.sh: nothing listens on port $1." >&2
  return 1
}

start_server() { # target port
  case "$1" in
    lifeboat) dotnet "$server_dll" "$work/lifeboat.raw" "$2" disk >"$work/lifeboat.log" 2>&1 & ;;
    base) dotnet "$base_server/Lifeboat.NbdFileServer.dll" "$work/base.raw" "$2" disk >"$work/base.log" 2>&1 & ;;
    nbdkit) nbdkit --foreground --exit-with-parent -i 127.0.0.1 -p "$2" --filter=cow file "$work/nbdkit.raw" >"$work/nbdkit.log" 2>&1 & ;;
    qemu-nbd) qemu-nbd -b 127.0.0.1 -p "$2" -f raw -x disk --persistent --shared=0 "$work/qemu-nbd.raw" >"$work/qemu-nbd.log" 2>&1 & ;;
  esac
  pids+=($!)
  wait_port "$2"
}

url() { # target port
  case "$1" in
    nbdkit) echo "nbd://127.0.0.1:$2/" ;;
    *) echo "nbd://127.0.0.1:$2/disk" ;;
  esac
}

# name rw bs iodepth
jobs=("randread1 randread 4k 1" "randread16 randread 4k 16" "seqread read 1M 4" "randwrite16 randwrite 4k 16")
results="$work/results.jsonl"
: > "$results"
# cpu_ticks PID: a process's CPU time in clock ticks.
source "$here/../cpu-ticks.sh"

p=$port
load_before=$(cut -d" " -f1-3 /proc/loadavg)
for rep in $(seq "$reps"); do
  # The order of the targets alternates between repetitions, so neither of two builds always runs right after the other.
  order=("${targets[@]}")
  if [ $((rep % 2)) = 0 ]; then order=(); for ((i = ${#targets[@]} - 1; i >= 0; i--)); do order+=("${targets[$i]}"); done; fi
  [ "$reps" = 1 ] || echo "Repetition $rep of $reps..." >&2
  for target in "${order[@]}"; do
    start_server "$target" "$p"
    u="$(url "$target" "$p")"
    # Warm every server's page cache the same way before anything is timed.
    fio --name=warm --ioengine=nbd --uri="$u" --rw=read --bs=1M --iodepth=4 --size="$size" --output=/dev/null >/dev/null
    for job in "${jobs[@]}"; do
      read -r name rw bs depth <<<"$job"
      echo "  $target $name..." >&2
      before=$(cpu_ticks "${pids[-1]}")
      fio --name="$name" --ioengine=nbd --uri="$u" --rw="$rw" --bs="$bs" --iodepth="$depth" --size="$size" \
        --time_based --runtime="$runtime" --ramp_time="$ramp" --randrepeat=0 --output-format=json >"$work/$target-$name.json"
      ticks=$(( $(cpu_ticks "${pids[-1]}") - before ))
      python3 - "$target" "$name" "$work/$target-$name.json" "$rep" "$ticks" "$(getconf CLK_TCK)" "$runtime" "$ramp" >>"$results" <<'PY'
import json, sys
target, name, path, rep, ticks, hz, runtime, ramp = sys.argv[1:9]
text = open(path).read()
job = json.loads(text[text.index("{"):])["jobs"][0]
side = job["write"] if name.startswith("randwrite") else job["read"]
# The server's CPU time covers the ramp too: per request at the measured rate over ramp and runtime together.
requests = side["iops"] * (float(runtime) + float(ramp))
print(json.dumps({"target": target, "test": name, "rep": int(rep), "iops": side["iops"], "mib_s": side["bw_bytes"] / 1048576,
                  "lat_us": side["clat_ns"]["mean"] / 1000, "error": job["error"],
                  "server_cpu_us": int(ticks) / int(hz) * 1e6 / requests if requests else 0}))
PY
    done
    kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
    p=$((p + 1))
  done
done
load_after=$(cut -d" " -f1-3 /proc/loadavg)

stamp="$(date -u +%Y-%m-%d-%H%M)"
report="$(python3 - "$results" "$size" "$runtime" "$reps" "$load_before" "$load_after" "$here/.." <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
size, runtime, reps, load_before, load_after = sys.argv[2:7]
sys.path.insert(0, sys.argv[7])
from ratios import spread
tests = [("randread1", "4 KiB random read, depth 1", "iops"), ("randread16", "4 KiB random read, depth 16", "iops"),
         ("seqread", "1 MiB sequential read, depth 4", "mib_s"), ("randwrite16", "4 KiB random write, depth 16", "iops")]
unit = {"iops": "/s", "mib_s": " MiB/s"}
def vals(target, key, metric):
    return [r[metric] for r in rows if r["target"] == target and r["test"] == key and r["error"] == 0]
def med(target, key, metric):
    v = vals(target, key, metric)
    return statistics.median(v) if v else None
def cell(target, key, metric, u=""):
    v = vals(target, key, metric)
    if not v:
        return "-"
    m = statistics.median(v)
    return f"{m:,.0f}{u}" if len(v) == 1 else f"{m:,.0f}{u} [{min(v):,.0f}-{max(v):,.0f}]"
def paired(key, metric):
    pairs = {}
    for r in rows:
        if r["target"] in ("base", "lifeboat") and r["test"] == key and r["error"] == 0:
            pairs.setdefault(r["rep"], {})[r["target"]] = r[metric]
    return spread([p["lifeboat"] / p["base"] for p in pairs.values() if p.get("base") and "lifeboat" in p])
print(f"fio nbd engine, {size} raw file (warm page cache), {runtime} s per test after a 2 s ramp, one server at a time on loopback;")
print(f"{reps} repetition(s), the order of the targets alternating; median [min-max] of the repetitions.")
print(f"Load average (1, 5, 15 min) {load_before} before the run, {load_after} after it: other work shares the two cores.\n")
peers = [t for t in ("nbdkit", "qemu-nbd") if any(r["target"] == t for r in rows)]
if peers:
    print("| test | Lifeboat | nbdkit cow+file | qemu-nbd | Lifeboat/nbdkit | Lifeboat/qemu-nbd |")
    print("| --- | --- | --- | --- | --- | --- |")
    for key, label, metric in tests:
        l, n, q = (med(t, key, metric) for t in ("lifeboat", "nbdkit", "qemu-nbd"))
        if l and n and q:
            print(f"| {label} | {cell('lifeboat', key, metric, unit[metric])} | {cell('nbdkit', key, metric, unit[metric])} "
                  f"| {cell('qemu-nbd', key, metric, unit[metric])} | {l / n:.2f} | {l / q:.2f} |")
if any(r["target"] == "base" for r in rows):
    print("\nBefore/after: base is the build given with --base-server. Server CPU is the server process's time per request"
          " (ramp and run together; below 1: Lifeboat spends less).\n")
    print("| test | base | Lifeboat | Lifeboat/base | by repetition | server CPU µs, base | Lifeboat | Lifeboat/base by repetition |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for key, label, metric in tests:
        b, l = med("base", key, metric), med("lifeboat", key, metric)
        if b and l:
            print(f"| {label} | {cell('base', key, metric, unit[metric])} | {cell('lifeboat', key, metric, unit[metric])} | {l / b:.2f} "
                  f"| {paired(key, metric)} | {med('base', key, 'server_cpu_us'):.1f} | {med('lifeboat', key, 'server_cpu_us'):.1f} "
                  f"| {paired(key, 'server_cpu_us')} |")
PY
)"
echo "$report"
if [ "$results_file" = 1 ]; then
  { echo "# NBD peers, $stamp UTC"; echo; echo "Commit $(git -C "$root" rev-parse --short HEAD). Command: bench/nbd-peers/run.sh --size $size --runtime $runtime --reps $reps${base_server:+ --base-server $base_server}$( [ "$builds_only" = 1 ] && echo ' --builds-only')"; echo; echo "$report"; } \
    > "$here/results-$stamp.md"
  cp "$results" "$here/results-$stamp.jsonl"
  echo "Wrote bench/nbd-peers/results-$stamp.md" >&2
fi
