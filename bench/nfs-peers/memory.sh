#!/usr/bin/env bash
# Resident memory of `lifeboat mount-server` while it serves 1 and then 20 publications of the same VM, every disk
# read end to end with libnfs's nfs-cat (twice, to show that reading more data does not grow memory). Runs once per
# bound setting (default bounds, then small ones), samples VmRSS/VmHWM from /proc/PID/status, prints a Markdown
# table and writes it to bench/nfs-peers/memory-results-<date>.md.
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

usage() {
  cat >&2 <<'EOF'
usage: memory.sh [--size 512M] [--publications 20] [--passes 3] [--port 24190] [--keep] [--no-results-file]
  --size N           size of the mixed disk backed up (random, text, written zeros and a hole, a quarter each)
  --publications N   how many times the VM is published at the end (the first one included)
  --passes N         how many times every disk of the N publications is read end to end
  --port P           NFS port of the mount server (portmap is off: the URLs carry ?nfsport&mountport)
  --keep             keep the work folder (under $BENCH_WORK, else /tmp)
Bound settings run, one mount server each (override with MEMORY_BOUNDS, settings separated by ';'):
  "" (defaults);  "--block-cache 64M";  "--block-cache 1M --hydration-limit 64M";  "--block-cache 1M --no-hydration"
EOF
  exit 2
}

size=512M publications=20 passes=3 port=24190 keep=0 results_file=1
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size="${2:?}"; shift 2 ;;
    --publications) publications="${2:?}"; shift 2 ;;
    --passes) passes="${2:?}"; shift 2 ;;
    --port) port="${2:?}"; shift 2 ;;
    --keep) keep=1; shift ;;
    --no-results-file) results_file=0; shift ;;
    -h|--help) usage ;;
    *) echo "memory.sh: unknown argument '$1'." >&2; usage ;;
  esac
done
for v in publications passes port; do
  case "${!v}" in ''|*[!0-9]*) echo "memory.sh: --$v needs a whole number, not '${!v}'." >&2; exit 2 ;; esac
done
[ "$publications" -ge 1 ] || { echo "memory.sh: --publications must be at least 1." >&2; exit 2; }
bytes=$(numfmt --from=iec "$size" 2>/dev/null) || { echo "memory.sh: --size '$size' is not a size like 512M." >&2; exit 2; }
quarter=$(( bytes / 4 / 1048576 ))
[ "$quarter" -ge 1 ] || { echo "memory.sh: --size must be at least 4M." >&2; exit 2; }

"$root/tools/ensure-debian-packages.sh" libnfs-utils python3 coreutils
IFS=';' read -r -a bound_settings <<< "${MEMORY_BOUNDS-;--block-cache 64M;--block-cache 1M --hydration-limit 64M;--block-cache 1M --no-hydration}"

lifeboat="$root/lifeboat"
"$lifeboat" --help >/dev/null   # builds the CLI before anything is measured

mkdir -p "${BENCH_WORK:-/tmp}"
work="$(mktemp -d "${BENCH_WORK:-/tmp}/memory.XXXXXX")"
server_pid=""
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
cleanup() {
  stop_server
  if [ "$keep" = 1 ]; then echo "memory.sh: the work folder $work is kept." >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'keep=1' ERR

# The disk: random bytes, repeated text, written zeros, then a hole (a quarter each).
disk="$work/disk0.raw"
truncate -s "$bytes" "$disk"
dd if=/dev/urandom of="$disk" bs=1M count="$quarter" conv=notrunc status=none
{ yes "Lifeboat memory benchmark: a line of text that compresses well, like logs and source do." || true; } \
  | head -c $(( quarter * 1048576 )) | dd of="$disk" bs=1M seek="$quarter" conv=notrunc iflag=fullblock status=none
dd if=/dev/zero of="$disk" bs=1M seek=$(( 2 * quarter )) count="$quarter" conv=notrunc status=none
echo "memory.sh: backing up a $size mixed disk..." >&2
"$lifeboat" repo init "$work/repo" >/dev/null
"$lifeboat" backup --repo "$work/repo" --vm mem --disk "$disk" >/dev/null

kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
control="$work/control.sock"
urls() {
  "$lifeboat" publications --control-socket "$control" --json \
    | python3 -c 'import json,sys; [print(u) for p in json.load(sys.stdin) for u in p["diskUrlsWithPorts"]]'
}
read_disks() {
  local url n=0
  while read -r url; do
    [ -n "$url" ] || continue
    nfs-cat "$url" >/dev/null || { echo "memory.sh: nfs-cat $url failed." >&2; exit 1; }
    n=$((n + 1))
  done
  echo "$n"
}

# Reads every published disk once; adds to read_count and sets rate (MiB/s over the pass).
timed_read() {
  local start n list
  list=$(urls)
  start=$(date +%s.%N)
  n=$(read_disks <<< "$list")
  read_count=$(( read_count + n ))
  rate=$(awk -v n="$n" -v b="$bytes" -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", n * b / 1048576 / (e - s) }')
}

rows=()
sample() { # label, disks read so far, bound setting, MiB/s of the reads before it
  local rss hwm
  rss=$(kib "$server_pid" VmRSS) hwm=$(kib "$server_pid" VmHWM)
  rows+=("| ${3:-defaults} | $1 | $2 | ${4:--} | $(mib "$rss") | $(mib "$hwm") |")
  echo "memory.sh: [${3:-defaults}] $1: VmRSS $(mib "$rss") MiB, VmHWM $(mib "$hwm") MiB" >&2
}

for bounds in "${bound_settings[@]}"; do
  cache="$work/cache"
  rm -rf "$cache"
  # shellcheck disable=SC2086 # the bound setting is a list of options
  "$lifeboat" mount-server --repo "$work/repo" --cache "$cache" --nfs-port "$port" --portmap-port 0 --control-socket "$control" \
    --listen 127.0.0.1 --publish mem $bounds >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 600); do
    "$lifeboat" publications --control-socket "$control" --json >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "memory.sh: the mount server stopped." >&2; exit 1; }
    sleep 0.2
  done
  read_count=0
  sample "1 published, nothing read" 0 "$bounds"
  timed_read
  sample "1 published, its disk read" "$read_count" "$bounds" "$rate"
  for _ in $(seq 2 "$publications"); do
    "$lifeboat" publish mem --control-socket "$control" >/dev/null
  done
  sample "$publications published" "$read_count" "$bounds"
  for pass in $(seq "$passes"); do
    timed_read
    sample "$publications published, every disk read (pass $pass)" "$read_count" "$bounds" "$rate"
  done
  stop_server
done

table="$(
  echo "| bounds | state | disks read ($size each) | nfs-cat MiB/s | VmRSS MiB | VmHWM MiB |"
  echo "| --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
)"
echo
echo "$table"
if [ "$results_file" = 1 ]; then
  out="$here/memory-results-$(date -u +%Y-%m-%d-%H%M).md"
  {
    echo "# mount-server memory, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "\`bench/nfs-peers/memory.sh $*\` on $(nproc) cores: one VM with a $size disk (a quarter each random, text,"
    echo "written zeros, hole), published once and then $publications times, each disk read end to end with nfs-cat, one"
    echo "after another ($passes passes over the $publications). MiB/s is over the pass before the sample, holes included."
    echo
    echo "$table"
  } >"$out"
  echo "memory.sh: wrote $out" >&2
fi
