#!/usr/bin/env bash
# Live-mirror throughput: QEMU's blockdev-mirror (as Lifeboat's mirror migration runs it) from a disk published by
# Lifeboat's mount server over nfs:// to a local raw file, against `cp` + fsync of the same disk as a raw file; with
# --base-cli, a second build of Lifeboat side by side. Prints a Markdown table and writes it to
# bench/migration/results-<date>-<time>.md. See README.md beside this file.
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

usage() {
  cat >&2 <<'USAGE'
usage: run.sh [--raw FILE | --size 2048M] [--reps 3] [--lifeboat-cli DIR] [--base-cli DIR]
              [--job-args JSON] [--base-job-args JSON] [--lifeboat-args 'ARGS'] [--base-args 'ARGS']
              [--keep] [--no-results-file]
  --raw FILE          the disk as a raw file (default: a new file of --size random bytes)
  --reps N            repetitions; each runs cp, then every Lifeboat build, in an order that alternates
  --lifeboat-cli DIR  the Lifeboat build to measure (a dotnet publish folder of src/Lifeboat.Cli; default ./lifeboat)
  --base-cli DIR      a second build to measure the same way, target "base" (before/after runs)
  --job-args JSON     extra blockdev-mirror arguments for the lifeboat target, e.g. '{"buf-size": 67108864}'
  --base-job-args J   the same for the base target
  --lifeboat-args A   extra mount-server options of the lifeboat target, e.g. '--no-hydration'
  --base-args A       extra mount-server options of the base target
  --keep              keep the work folder (under $BENCH_WORK, else /tmp)
USAGE
  exit 2
}

arguments="$*"
original_arguments=("$@")
raw="" size=2048M reps=3 lifeboat_cli="" base_cli="" job_args='{}' base_job_args='{}' lifeboat_args="" base_args=""
keep=0 results_file=1
while [ $# -gt 0 ]; do
  case "$1" in
    --raw) raw="${2:?}"; shift 2 ;;
    --size) size="${2:?}"; shift 2 ;;
    --reps) reps="${2:?}"; shift 2 ;;
    --lifeboat-cli) lifeboat_cli="${2:?}"; shift 2 ;;
    --base-cli) base_cli="${2:?}"; shift 2 ;;
    --job-args) job_args="${2:?}"; shift 2 ;;
    --base-job-args) base_job_args="${2:?}"; shift 2 ;;
    --lifeboat-args) lifeboat_args="${2?}"; shift 2 ;;
    --base-args) base_args="${2?}"; shift 2 ;;
    --keep) keep=1; shift ;;
    --no-results-file) results_file=0; shift ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown argument '$1'." >&2; usage ;;
  esac
done
case "$reps" in ''|*[!0-9]*|0) echo "run.sh: --reps needs a whole number of at least 1, not '$reps'." >&2; exit 2 ;; esac
[ -z "$raw" ] || [ -f "$raw" ] || { echo "run.sh: --raw $raw is not a file." >&2; exit 2; }
for d in "$lifeboat_cli" "$base_cli"; do
  [ -z "$d" ] || [ -f "$d/lifeboat.dll" ] || { echo "run.sh: $d holds no lifeboat.dll; give the output folder of dotnet publish src/Lifeboat.Cli." >&2; exit 2; }
done
for j in "$job_args" "$base_job_args"; do
  python3 -c 'import json, sys; assert isinstance(json.loads(sys.argv[1]), dict)' "$j" 2>/dev/null \
    || { echo "run.sh: '$j' is not a JSON object of blockdev-mirror arguments." >&2; exit 2; }
done

if [ -z "${LIFEBOAT_MIGRATION_NETNS:-}" ]; then
  "$root/tools/ensure-debian-packages.sh" qemu-system-x86 qemu-block-extra build-essential pkg-config libnfs-dev \
    iproute2 python3 util-linux
  # QEMU's nfs driver finds MOUNT and NFS through portmap on port 111 and takes no ports: the run gets a network
  # namespace of its own, where the mount server owns port 111 without touching the machine's rpcbind or tests.
  [ "$(id -u)" = 0 ] || { echo "run.sh: a private network namespace (unshare --net) needs root." >&2; exit 1; }
  exec unshare --net env LIFEBOAT_MIGRATION_NETNS=1 "$0" "${original_arguments[@]}"
fi
ip link set lo up

# nfsbench's dropcache evicts files from the page cache (see bench/nfs-peers/README.md).
mkdir -p "$root/.build/nfsbench"
gcc -O2 -Wall -Wextra -Werror -std=gnu11 -o "$root/.build/nfsbench/nfsbench" "$root"/bench/nfs-peers/nfsbench/*.c \
  $(pkg-config --cflags --libs libnfs) -lpthread
dropcache() { "$root/.build/nfsbench/nfsbench" dropcache "$@" >/dev/null; }

mkdir -p "${BENCH_WORK:-/tmp}"
# Short: QEMU's monitor socket lives in here, and a unix socket path has at most 107 bytes.
work="$(mktemp -d "${BENCH_WORK:-/tmp}/lbmig.XXXXXX")"
server_pid="" qemu_pid=""
cleanup() {
  stop_qemu
  stop_server
  if [ "$keep" = 1 ]; then echo "run.sh: the work folder $work is kept." >&2; else rm -rf "$work"; fi
}
fail() { echo "run.sh: $*" >&2; keep=1; exit 1; }
trap cleanup EXIT
trap 'keep=1' ERR

stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
stop_qemu() { stop_pid "$qemu_pid"; qemu_pid=""; }
stop_server() { stop_pid "$server_pid"; server_pid=""; }

disk="$work/disk0.raw"
if [ -n "$raw" ]; then
  cp --sparse=never "$raw" "$disk"
else
  echo "run.sh: writing a $size disk of random bytes..." >&2
  head -c "$size" /dev/urandom >"$disk"
fi
size_bytes=$(stat -c %s "$disk")
mib=$((size_bytes / 1048576))

declare -A cli=()
if [ -n "$lifeboat_cli" ]; then
  cp -a "$lifeboat_cli" "$work/lifeboat-cli"
else
  # Build now, then run a copy: a rebuild of the tree during the run must not change what is measured.
  "$root/lifeboat" --help >/dev/null || fail "the Lifeboat CLI did not build (see above)."
  cp -a "$root/.build/cli" "$work/lifeboat-cli"
fi
cli[lifeboat]="$work/lifeboat-cli"
targets=(cp lifeboat)
if [ -n "$base_cli" ]; then
  cp -a "$base_cli" "$work/base-cli"
  cli[base]="$work/base-cli"
  targets=(cp base lifeboat)
fi
dotnet "${cli[lifeboat]}/lifeboat.dll" repo init "$work/repo" >/dev/null
dotnet "${cli[lifeboat]}/lifeboat.dll" backup --repo "$work/repo" --vm bench --disk "$disk" >/dev/null

target="$work/prod0.raw"
results="$work/results.jsonl"
: >"$results"

now() { date +%s.%N; }

run_cp() {
  rm -f "$target"
  dropcache "$disk"
  local start end
  start=$(now)
  cp --sparse=never "$disk" "$target"
  python3 -c 'import os, sys; d = os.open(sys.argv[1], os.O_RDONLY); os.fsync(d); os.close(d)' "$target"
  end=$(now)
  python3 -c 'import json, sys; s = float(sys.argv[2]) - float(sys.argv[1]); print(json.dumps({"target": "cp", "rep": int(sys.argv[3]), "seconds": round(s, 3)}))' \
    "$start" "$end" "$1" >>"$results"
}

# A mount server started with an empty cache and nothing of the repository in the page cache, then QEMU with the
# published disk as its only node, then the mirror.
run_mirror() {
  local name=$1 rep=$2 extra_args job
  if [ "$name" = base ]; then extra_args=$base_args job=$base_job_args; else extra_args=$lifeboat_args job=$job_args; fi
  rm -rf "$work/cache" "$target"
  mkdir -p "$work/cache"
  dropcache "$work/repo"
  local -a extra
  read -r -a extra <<<"$extra_args"
  rm -f "$work/server.out"
  dotnet "${cli[$name]}/lifeboat.dll" mount-server --json --repo "$work/repo" --cache "$work/cache" --listen 127.0.0.1 \
    --nfs-port 2049 --portmap-port 111 --publish bench "${extra[@]}" >"$work/server.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 600); do
    grep -q 'disk0\.raw' "$work/server.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { tail -n 20 "$work/server.out" >&2; fail "the $name mount server stopped during start-up."; }
    sleep 0.1
  done
  grep -q 'disk0\.raw' "$work/server.out" || fail "the $name mount server did not publish disk0.raw in 60 s."
  truncate -s "$size_bytes" "$target"
  rm -f "$work/qmp.sock"
  qemu-system-x86_64 -nodefaults -display none -machine none -qmp "unix:$work/qmp.sock,server=on,wait=off" \
    -blockdev '{"driver":"raw","node-name":"disk0","file":{"driver":"nfs","node-name":"disk0-file","server":{"type":"inet","host":"127.0.0.1"},"path":"/lifeboat/bench/disk0.raw"}}' \
    >"$work/qemu.log" 2>&1 &
  qemu_pid=$!
  local line
  line=$(python3 "$here/mirror.py" "$work/qmp.sock" "$target" --job-args "$job") \
    || { tail -n 20 "$work/qemu.log" "$work/server.out" >&2; fail "the mirror from the $name mount server failed."; }
  stop_qemu
  stop_server
  # The copy must hold the disk's bytes: a fast wrong mirror is no figure.
  cmp -s "$disk" "$target" || fail "the mirror from the $name mount server does not hold the disk's bytes."
  python3 -c 'import json, sys; r = json.loads(sys.argv[1]); r.update(target=sys.argv[2], rep=int(sys.argv[3])); print(json.dumps(r))' \
    "$line" "$name" "$rep" >>"$results"
}

started=$(date +%s)
load_before=$(cut -d" " -f1-3 /proc/loadavg)
for rep in $(seq "$reps"); do
  order=("${targets[@]}")
  if [ $((rep % 2)) = 0 ]; then order=(); for ((i = ${#targets[@]} - 1; i >= 0; i--)); do order+=("${targets[$i]}"); done; fi
  for t in "${order[@]}"; do
    if [ "$t" = cp ]; then run_cp "$rep"; else run_mirror "$t" "$rep"; fi
    echo "run.sh: repetition $rep, $t: $(tail -n 1 "$results")" >&2
  done
done
elapsed=$(( $(date +%s) - started ))
load_after=$(cut -d" " -f1-3 /proc/loadavg)

report="$work/report.md"
python3 "$here/report.py" "$results" --mib "$mib" --title "Live mirror against cp, $(date '+%Y-%m-%d %H:%M')" \
  --context "$(printf '%s\n' \
      "Command: \`bench/migration/run.sh $arguments\` ($reps repetitions, $elapsed s)." \
      "Disk: $mib MiB raw file$( [ -n "$raw" ] && echo " copied from $raw" || echo ' of random bytes'); backed up into a new repository (its defaults)." \
      "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), kernel $(uname -r); $(qemu-system-x86_64 --version | head -n 1)." \
      "Load average (1, 5, 15 min) $load_before before the run, $load_after after it: other work shares the cores." \
      "Mirror job arguments beyond MirrorMigration's: lifeboat '$job_args'$( [ -n "$base_cli" ] && echo ", base '$base_job_args'"); mount-server options: lifeboat '$lifeboat_args'$( [ -n "$base_cli" ] && echo ", base '$base_args'").")" \
  >"$report"
cat "$report"
if [ "$results_file" = 1 ]; then
  stamp=$(date +%Y-%m-%d-%H%M)
  cp "$report" "$here/results-$stamp.md"
  cp "$results" "$here/results-$stamp.jsonl"
  echo "run.sh: wrote $here/results-$stamp.md (raw figures in results-$stamp.jsonl)." >&2
fi
