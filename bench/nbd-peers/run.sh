#!/usr/bin/env bash
# Side-by-side NBD benchmark: one raw file served by Lifeboat's NbdServer (bench/Lifeboat.NbdFileServer), by
# `nbdkit --filter=cow file` and by `qemu-nbd`, each driven by fio's nbd engine with the same jobs, one
# server after the other. Prints a Markdown table with the ratios lifeboat/nbdkit and lifeboat/qemu-nbd and
# writes it to bench/nbd-peers/results-<date>.md. See README.md beside this file.
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

size=512M runtime=8 ramp=2 port=24190 results_file=1 base_server=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size="${2:?}"; shift 2 ;;
    --runtime) runtime="${2:?}"; shift 2 ;;
    --port) port="${2:?}"; shift 2 ;;
    --no-results-file) results_file=0; shift ;;
    --base-server) base_server="$(cd "${2:?}" && pwd)"; shift 2 ;;
    -h|--help) echo "usage: run.sh [--size 512M] [--runtime 8] [--port 24190] [--base-server DIR] [--no-results-file]" >&2; exit 2 ;;
    *) echo "run.sh: unknown argument '$1'." >&2; exit 2 ;;
  esac
done

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
p=$port
for target in "${targets[@]}"; do
  start_server "$target" "$p"
  u="$(url "$target" "$p")"
  # Warm every server's page cache the same way before anything is timed.
  fio --name=warm --ioengine=nbd --uri="$u" --rw=read --bs=1M --iodepth=4 --size="$size" --output=/dev/null >/dev/null
  for job in "${jobs[@]}"; do
    read -r name rw bs depth <<<"$job"
    echo "  $target $name..." >&2
    fio --name="$name" --ioengine=nbd --uri="$u" --rw="$rw" --bs="$bs" --iodepth="$depth" --size="$size" \
      --time_based --runtime="$runtime" --ramp_time="$ramp" --randrepeat=0 --output-format=json >"$work/$target-$name.json"
    python3 - "$target" "$name" "$work/$target-$name.json" >>"$results" <<'PY'
import json, sys
target, name, path = sys.argv[1:4]
text = open(path).read()
job = json.loads(text[text.index("{"):])["jobs"][0]
side = job["write"] if name.startswith("randwrite") else job["read"]
print(json.dumps({"target": target, "test": name, "iops": side["iops"], "mib_s": side["bw_bytes"] / 1048576,
                  "lat_us": side["clat_ns"]["mean"] / 1000, "error": job["error"]}))
PY
  done
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
  p=$((p + 1))
done

stamp="$(date -u +%Y-%m-%d-%H%M)"
report="$(python3 - "$results" "$size" "$runtime" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
size, runtime = sys.argv[2], sys.argv[3]
by = {(r["target"], r["test"]): r for r in rows}
tests = [("randread1", "4 KiB random read, depth 1", "iops"), ("randread16", "4 KiB random read, depth 16", "iops"),
         ("seqread", "1 MiB sequential read, depth 4", "mib_s"), ("randwrite16", "4 KiB random write, depth 16", "iops")]
unit = {"iops": "/s", "mib_s": " MiB/s"}
print(f"fio nbd engine, {size} raw file (warm page cache), {runtime} s per test after a 2 s ramp, one server at a time on loopback.\n")
print("| test | Lifeboat | nbdkit cow+file | qemu-nbd | Lifeboat/nbdkit | Lifeboat/qemu-nbd |")
print("| --- | --- | --- | --- | --- | --- |")
for key, label, metric in tests:
    l, n, q = (by.get((t, key)) for t in ("lifeboat", "nbdkit", "qemu-nbd"))
    if not (l and n and q):
        continue
    fmt = lambda r: f"{r[metric]:,.0f}{unit[metric]}" + ("" if r["error"] == 0 else " (error)")
    print(f"| {label} | {fmt(l)} | {fmt(n)} | {fmt(q)} | {l[metric] / n[metric]:.2f} | {l[metric] / q[metric]:.2f} |")
if any(r["target"] == "base" for r in rows):
    print("\nBefore/after: base is the build given with --base-server, run just before Lifeboat's.\n")
    print("| test | base | Lifeboat | Lifeboat/base |")
    print("| --- | --- | --- | --- |")
    for key, label, metric in tests:
        b, l = by.get(("base", key)), by.get(("lifeboat", key))
        if b and l:
            print(f"| {label} | {b[metric]:,.0f}{unit[metric]} | {l[metric]:,.0f}{unit[metric]} | {l[metric] / b[metric]:.2f} |")
PY
)"
echo "$report"
if [ "$results_file" = 1 ]; then
  { echo "# NBD peers, $stamp UTC"; echo; echo "Commit $(git -C "$root" rev-parse --short HEAD). Command: bench/nbd-peers/run.sh --size $size --runtime $runtime${base_server:+ --base-server $base_server}"; echo; echo "$report"; } \
    > "$here/results-$stamp.md"
  cp "$results" "$here/results-$stamp.jsonl"
  echo "Wrote bench/nbd-peers/results-$stamp.md" >&2
fi
