#!/usr/bin/env bash
# Side-by-side NBD benchmark: one raw file served by Lifeboat's NbdServer over the file alone
# (bench/Lifeboat.NbdFileServer, the transport), as a published restore point of a backup of that file (`lifeboat
# mount-server --publish`, the product's read path), by `nbdkit --filter=cow file` and by `qemu-nbd`, each driven by
# fio's nbd engine with the same jobs and read whole by nbdcopy, one server after the other. Prints a Markdown table
# with the ratios against nbdkit and qemu-nbd and writes it to bench/nbd-peers/results-<date>.md. See README.md.
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

size=512M runtime=8 ramp=2 port=24190 results_file=1 base_server="" reps=1 builds_only=0 base_cli="" lifeboat_cli=""
only="" published_env="" tests=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size="${2:?}"; shift 2 ;;
    --runtime) runtime="${2:?}"; shift 2 ;;
    --port) port="${2:?}"; shift 2 ;;
    --no-results-file) results_file=0; shift ;;
    --base-server) base_server="$(cd "${2:?}" && pwd)"; shift 2 ;;
    --reps) reps="${2:?}"; shift 2 ;;
    --builds-only) builds_only=1; shift ;;
    --base-cli) base_cli="$(cd "${2:?}" && pwd)"; shift 2 ;;
    --lifeboat-cli) lifeboat_cli="$(cd "${2:?}" && pwd)"; shift 2 ;;
    --targets) only="${2:?}"; shift 2 ;;
    --published-env) published_env="${2?}"; shift 2 ;;
    --tests) tests="${2:?}"; shift 2 ;;
    -h|--help) echo "usage: run.sh [--size 512M] [--runtime 8] [--port 24190] [--base-server DIR [--builds-only]] [--base-cli DIR] [--lifeboat-cli DIR] [--targets a,b] [--published-env 'K=V ...'] [--tests copycold,randread1,...] [--reps 1] [--no-results-file]" >&2; exit 2 ;;
    *) echo "run.sh: unknown argument '$1'." >&2; exit 2 ;;
  esac
done

[ "$builds_only" = 0 ] || [ -n "$base_server$base_cli" ] || { echo "run.sh: --builds-only needs --base-server or --base-cli (two builds to compare)." >&2; exit 2; }

"$root/tools/ensure-debian-packages.sh" nbdkit qemu-utils fio python3 libnbd-bin

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
# "published": a backup of the same file in a new repository, published by `lifeboat mount-server` and read over
# its NBD export (PUBLICATION/disk0), as a recovery's host or nbdcopy reads a restore point.
targets=(lifeboat published nbdkit qemu-nbd)
# --base-server DIR: the NbdFileServer build of another tree (its bin folder) as target "base", served right after
# Lifeboat's, for before/after figures of a change in one run.
[ -n "$base_server" ] && targets=(base "${targets[@]}")
# --base-cli DIR: another build's published CLI folder as target "base-published", the same restore point.
[ -n "$base_cli" ] && targets=("${targets[@]:0:${#targets[@]}-2}" base-published nbdkit qemu-nbd)
# --builds-only: the two builds alone, so more repetitions fit in a quiet spell of a shared machine.
if [ "$builds_only" = 1 ]; then
  targets=()
  [ -n "$base_server" ] && targets+=(base lifeboat)
  [ -n "$base_cli" ] && targets+=(base-published published)
fi
# --targets a,b: only these (in this order), e.g. published,nbdkit.
[ -n "$only" ] && IFS=, read -r -a targets <<<"$only"
for t in "${targets[@]}"; do
  case "$t" in
    published|base-published) ;;
    *) cp "$work/source.raw" "$work/$t.raw" ;;
  esac
done

# The CLI is built now and a copy of it run: a rebuild of the tree during the run must not change what is measured.
if [[ " ${targets[*]} " == *" published "* || " ${targets[*]} " == *" base-published "* ]]; then
  if [ -n "$lifeboat_cli" ]; then
    cp -a "$lifeboat_cli" "$work/published-cli"
  else
    "$root/lifeboat" --help >/dev/null
    cp -a "$root/.build/cli" "$work/published-cli"
  fi
  [ -z "$base_cli" ] || cp -a "$base_cli" "$work/base-published-cli"
  dotnet "$work/published-cli/lifeboat.dll" repo init "$work/repo" >/dev/null
  dotnet "$work/published-cli/lifeboat.dll" backup --repo "$work/repo" --vm bench --disk "$work/source.raw" >/dev/null
fi

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
    published|base-published)
      # A new, empty write cache each time: nothing hydrated, nothing written.
      local envs=()
      [ "$1" = base-published ] || read -r -a envs <<<"$published_env"
      rm -rf "$work/$1-cache"
      env "${envs[@]}" dotnet "$work/$1-cli/lifeboat.dll" mount-server --repo "$work/repo" --cache "$work/$1-cache" --listen 127.0.0.1 \
        --nfs-port $(($2 + 1000)) --portmap-port 0 --nbd-port "$2" --nbd-socket none --control-socket "$work/$1-control.sock" --publish bench --log-level Warning \
        >"$work/$1.log" 2>&1 & ;;
  esac
  pids+=($!)
  wait_port "$2"
  # A mount server listens before its publications are loaded: wait until the export opens.
  for _ in $(seq 1 200); do nbdinfo --size "$(url "$1" "$2")" >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "run.sh: $1 serves no export at $(url "$1" "$2")." >&2
  return 1
}

url() { # target port
  case "$1" in
    nbdkit) echo "nbd://127.0.0.1:$2/" ;;
    published|base-published) echo "nbd://127.0.0.1:$2/bench/disk0" ;;
    *) echo "nbd://127.0.0.1:$2/disk" ;;
  esac
}

# name rw bs iodepth; "copy" jobs are nbdcopy of the whole disk to null: (cold: first thing after the server starts,
# before the warm-up, so a published disk decodes every block; warm: after the fio reads).
jobs=("copycold copy" "randread1 randread 4k 1" "randread16 randread 4k 16" "seqread read 1M 4" "copywarm copy" "randwrite16 randwrite 4k 16")
# --tests a,b: only these jobs (the warm-up still runs before the first fio job).
if [ -n "$tests" ]; then
  kept=()
  for job in "${jobs[@]}"; do [[ ",$tests," == *",${job%% *},"* ]] && kept+=("$job"); done
  jobs=("${kept[@]}")
fi
warm_before=""
for job in "${jobs[@]}"; do [ "${job%% *}" = copycold ] || { warm_before=${job%% *}; break; }; done
results="$work/results.jsonl"
: > "$results"
size_bytes=$(stat -c %s "$work/source.raw")
# cpu_ticks PID: a process's CPU time in clock ticks.
source "$here/../cpu-ticks.sh"
# peak_rss_kib PID: the process's peak resident memory so far.
peak_rss_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

run_fio() { # target name rw bs depth url
  fio --name="$2" --ioengine=nbd --uri="$6" --rw="$3" --bs="$4" --iodepth="$5" --size="$size" \
    --time_based --runtime="$runtime" --ramp_time="$ramp" --randrepeat=0 --output-format=json >"$work/$1-$2.json"
}

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
    for job in "${jobs[@]}"; do
      read -r name rw bs depth <<<"$job"
      echo "  $target $name..." >&2
      if [ "$name" = "$warm_before" ]; then
        # Warm every server the same way before the fio jobs: every 64 KiB block read once at random (a published
        # disk keeps a copy of each, as it does for a guest's reads: a long sequential stream would keep none), then
        # the whole disk in order.
        fio --name=warm --ioengine=nbd --uri="$u" --rw=randread --bs=64k --iodepth=16 --size="$size" --output=/dev/null >/dev/null
        fio --name=warm --ioengine=nbd --uri="$u" --rw=read --bs=1M --iodepth=4 --size="$size" --output=/dev/null >/dev/null
      fi
      before=$(cpu_ticks "${pids[-1]}")
      if [ "$rw" = copy ]; then
        start=$(date +%s.%N)
        nbdcopy "$u" null: 2>"$work/$target-$name.err" && err=0 || err=1
        seconds=$(printf "%.4f" "$(echo "$(date +%s.%N) - $start" | bc)")
        echo "{\"seconds\": $seconds, \"error\": $err}" >"$work/$target-$name.json"
      else
        run_fio "$target" "$name" "$rw" "$bs" "$depth" "$u"
      fi
      ticks=$(( $(cpu_ticks "${pids[-1]}") - before ))
      python3 - "$target" "$name" "$work/$target-$name.json" "$rep" "$ticks" "$(getconf CLK_TCK)" "$runtime" "$ramp" "$size_bytes" "$(peak_rss_kib "${pids[-1]}")" >>"$results" <<'PY'
import json, sys
target, name, path, rep, ticks, hz, runtime, ramp, size_bytes, rss = sys.argv[1:11]
text = open(path).read()
doc = json.loads(text[text.index("{"):])
cpu_us = int(ticks) / int(hz) * 1e6
row = {"target": target, "test": name, "rep": int(rep), "peak_rss_mib": int(rss) / 1024}
if name.startswith("copy"):
    # nbdcopy: the whole disk; server CPU per MiB copied.
    mib = int(size_bytes) / 1048576
    row.update({"iops": 0, "mib_s": mib / float(doc["seconds"]), "lat_us": 0, "error": doc["error"], "server_cpu_us": cpu_us / mib})
else:
    job = doc["jobs"][0]
    side = job["write"] if name.startswith("randwrite") else job["read"]
    # The server's CPU time covers the ramp too: per request at the measured rate over ramp and runtime together.
    requests = side["iops"] * (float(runtime) + float(ramp))
    row.update({"iops": side["iops"], "mib_s": side["bw_bytes"] / 1048576, "lat_us": side["clat_ns"]["mean"] / 1000,
                "error": job["error"], "server_cpu_us": cpu_us / requests if requests else 0})
print(json.dumps(row))
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
tests = [("copycold", "nbdcopy of the whole disk, cold", "mib_s"), ("randread1", "4 KiB random read, depth 1", "iops"),
         ("randread16", "4 KiB random read, depth 16", "iops"), ("seqread", "1 MiB sequential read, depth 4", "mib_s"),
         ("copywarm", "nbdcopy of the whole disk, warm", "mib_s"), ("randwrite16", "4 KiB random write, depth 16", "iops")]
unit = {"iops": "/s", "mib_s": " MiB/s"}
names = {"lifeboat": "file server", "published": "published", "base-published": "base published", "base": "base file server",
         "nbdkit": "nbdkit cow+file", "qemu-nbd": "qemu-nbd"}
present = [t for t in names if any(r["target"] == t for r in rows)]
def vals(target, key, metric):
    return [r[metric] for r in rows if r["target"] == target and r["test"] == key and r["error"] == 0]
def med(target, key, metric):
    v = vals(target, key, metric)
    return statistics.median(v) if v else None
def cell(target, key, metric, u="", digits=0):
    v = vals(target, key, metric)
    if not v:
        return "-"
    m = statistics.median(v)
    return f"{m:,.{digits}f}{u}" if len(v) == 1 else f"{m:,.{digits}f}{u} [{min(v):,.{digits}f}-{max(v):,.{digits}f}]"
def paired(a, b, key, metric):
    pairs = {}
    for r in rows:
        if r["target"] in (a, b) and r["test"] == key and r["error"] == 0:
            pairs.setdefault(r["rep"], {})[r["target"]] = r[metric]
    return spread([p[a] / p[b] for p in pairs.values() if p.get(b) and a in p])
print(f"fio nbd engine and nbdcopy, {size} raw file of random bytes (page cache warm), {runtime} s per fio test after a 2 s ramp,")
print(f"one server at a time on loopback; {reps} repetition(s), the order of the targets alternating; median [min-max].")
print("published: a backup of the file published by `lifeboat mount-server` (a new write cache per start; cold = nothing")
print("hydrated yet, the repository in the page cache; the fio tests and nbdcopy warm follow a warm-up that reads every block).")
print(f"Load average (1, 5, 15 min) {load_before} before the run, {load_after} after it: other work shares the two cores.\n")
ratios = [(a, b) for a in ("published", "lifeboat") for b in ("nbdkit", "qemu-nbd") if a in present and b in present]
print("| test | " + " | ".join(names[t] for t in present) + "".join(f" | {names[a]}/{b}" for a, b in ratios) + " |")
print("| --- |" + " --- |" * (len(present) + len(ratios)))
for key, label, metric in tests:
    cells = [cell(t, key, metric, unit[metric]) for t in present]
    rs = []
    for a, b in ratios:
        x, y = med(a, key, metric), med(b, key, metric)
        rs.append(f"{x / y:.2f}, paired {paired(a, b, key, metric)}" if x and y else "-")
    print(f"| {label} | " + " | ".join(cells + rs) + " |")
print("\nServer CPU per request (µs; per MiB for nbdcopy), the server process's time over ramp and run, and its peak RSS (MiB):\n")
print("| test | " + " | ".join(names[t] for t in present) + " |")
print("| --- |" + " --- |" * len(present))
for key, label, metric in tests:
    print(f"| {label} | " + " | ".join(cell(t, key, "server_cpu_us", "", 1) for t in present) + " |")
print("| peak RSS at the end | " + " | ".join(f"{max(r['peak_rss_mib'] for r in rows if r['target'] == t):.0f}" for t in present) + " |")
for a, b in (("lifeboat", "base"), ("published", "base-published")):
    if a in present and b in present:
        print(f"\nBefore/after: {names[b]} is the build given with --base-server or --base-cli (below 1 in CPU: {a} spends less).\n")
        print(f"| test | {names[b]} | {names[a]} | ratio | by repetition | server CPU, by repetition |")
        print("| --- | --- | --- | --- | --- | --- |")
        for key, label, metric in tests:
            x, y = med(a, key, metric), med(b, key, metric)
            if x and y:
                print(f"| {label} | {cell(b, key, metric, unit[metric])} | {cell(a, key, metric, unit[metric])} | {x / y:.2f} "
                      f"| {paired(a, b, key, metric)} | {paired(a, b, key, 'server_cpu_us')} |")
PY
)"
echo "$report"
if [ "$results_file" = 1 ]; then
  { echo "# NBD peers, $stamp UTC"; echo; echo "Commit $(git -C "$root" rev-parse --short HEAD). Command: bench/nbd-peers/run.sh --size $size --runtime $runtime --reps $reps${base_server:+ --base-server $base_server}${base_cli:+ --base-cli $base_cli}${only:+ --targets $only}${published_env:+ --published-env '$published_env'}${tests:+ --tests $tests}$( [ "$builds_only" = 1 ] && echo ' --builds-only')"; echo; echo "$report"; } \
    > "$here/results-$stamp.md"
  cp "$results" "$here/results-$stamp.jsonl"
  echo "Wrote bench/nbd-peers/results-$stamp.md" >&2
fi
