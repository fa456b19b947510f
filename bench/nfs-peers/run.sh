#!/usr/bin/env bash
# Side-by-side NFS benchmark: the same disk read and written through Lifeboat's mount server, through
# nfs-ganesha (VFS) exporting it as a plain raw file, and straight from that raw file (the physical limit),
# one after the other, with the same client (nfsbench/) and the same access patterns. Prints a Markdown
# table with the ratios lifeboat/ganesha and lifeboat/local and writes it to bench/nfs-peers/results-<date>.md.
# See README.md beside this file.
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

usage() {
  cat >&2 <<'EOF'
usage: run.sh [--raw FILE | --size 512M] [--lifeboat | --lifeboat-url URL] [--reps 5] [--count 20000]
              [--write-depths 16] [--port 24090] [--seed 1] [--keep] [--no-results-file]
              [--tests randread1,randread16,seqread,randwrite] [--lifeboat-cli DIR] [--base-cli DIR]
              [--lifeboat-args 'ARGS'] [--base-args 'ARGS'] [--lifeboat-env 'K=V ...'] [--builds-only]
  --raw FILE          the disk as a raw file (default: a new file of --size random bytes)
  --lifeboat          back FILE up into a new repository and serve it with `./lifeboat mount-server`,
                      restarted with an empty cache before every read test (cold = nothing cached anywhere)
  --lifeboat-url URL  an nfs:// URL of disk0.raw on a mount server you started yourself from a backup of FILE
                      (cold = blocks this run has not read before; see README.md)
  --reps N            repetitions of every test (figures are reported as median [min-max])
  --count N           4 KiB requests per random pass
  --write-depths L    comma-separated queue depths of the random-write test
  --keep              keep the work folder (under $BENCH_WORK, else /tmp)
  --tests LIST        which tests to run, comma-separated (default: all four)
  --lifeboat-cli DIR  with --lifeboat: run this published CLI folder (dotnet publish output) instead of ./lifeboat
  --base-cli DIR      with --lifeboat: also serve the disk with this other build, target "base" (before/after runs)
  --lifeboat-args A   extra mount-server options of the lifeboat target, e.g. '--no-hydration'
  --lifeboat-env E    environment of the lifeboat target's mount server only, e.g. 'DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1'
  --base-args A       extra mount-server options of the base target
  --builds-only       with --base-cli: measure the two builds only (no local file, no nfs-ganesha): before/after
                      runs in half the time, so more repetitions fit in a quiet spell of a shared machine
EOF
  exit 2
}

arguments="$*"
raw="" size=512M lifeboat=0 lifeboat_url="" reps=5 count=20000 write_depths=16 port=24090 seed=1 keep=0 results_file=1
tests=randread1,randread16,seqread,randwrite lifeboat_cli="" base_cli="" lifeboat_args="" base_args="" lifeboat_env="" builds_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --raw) raw="${2:?}"; shift 2 ;;
    --size) size="${2:?}"; shift 2 ;;
    --lifeboat) lifeboat=1; shift ;;
    --lifeboat-url) lifeboat_url="${2:?}"; shift 2 ;;
    --reps) reps="${2:?}"; shift 2 ;;
    --count) count="${2:?}"; shift 2 ;;
    --write-depths) write_depths="${2:?}"; shift 2 ;;
    --port) port="${2:?}"; shift 2 ;;
    --seed) seed="${2:?}"; shift 2 ;;
    --keep) keep=1; shift ;;
    --no-results-file) results_file=0; shift ;;
    --tests) tests="${2:?}"; shift 2 ;;
    --lifeboat-cli) lifeboat_cli="${2:?}"; shift 2 ;;
    --base-cli) base_cli="${2:?}"; shift 2 ;;
    --lifeboat-args) lifeboat_args="${2?}"; shift 2 ;;
    --lifeboat-env) lifeboat_env="${2?}"; shift 2 ;;
    --base-args) base_args="${2?}"; shift 2 ;;
    --builds-only) builds_only=1; shift ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown argument '$1'." >&2; usage ;;
  esac
done
for v in reps count port seed; do
  case "${!v}" in ''|*[!0-9]*) echo "run.sh: --$v needs a whole number, not '${!v}'." >&2; exit 2 ;; esac
done
[ "$reps" -ge 1 ] || { echo "run.sh: --reps must be at least 1." >&2; exit 2; }
[ "$lifeboat" = 0 ] || [ -z "$lifeboat_url" ] || { echo "run.sh: give --lifeboat or --lifeboat-url, not both." >&2; exit 2; }
[ -z "$raw" ] || [ -f "$raw" ] || { echo "run.sh: --raw $raw is not a file." >&2; exit 2; }
for t in ${tests//,/ }; do
  case "$t" in randread1|randread16|seqread|randwrite) ;; *) echo "run.sh: unknown test '$t' in --tests." >&2; exit 2 ;; esac
done
for d in "$lifeboat_cli" "$base_cli"; do
  [ -z "$d" ] || [ -f "$d/lifeboat.dll" ] || { echo "run.sh: $d holds no lifeboat.dll; give the output folder of dotnet publish src/Lifeboat.Cli." >&2; exit 2; }
done
[ "$lifeboat" = 1 ] || [ -z "$lifeboat_cli$base_cli$lifeboat_args$base_args$lifeboat_env" ] \
  || { echo "run.sh: --lifeboat-cli, --base-cli and their --*-args need --lifeboat." >&2; exit 2; }
[ "$builds_only" = 0 ] || [ -n "$base_cli" ] || { echo "run.sh: --builds-only needs --base-cli (two builds to compare)." >&2; exit 2; }

"$root/tools/ensure-debian-packages.sh" build-essential pkg-config libnfs-dev nfs-ganesha nfs-ganesha-vfs rpcbind \
  iproute2 python3

# The client, built before anything is timed.
bin="$root/.build/nfsbench"
mkdir -p "$bin"
gcc -O2 -g -Wall -Wextra -Werror -std=gnu11 -o "$bin/nfsbench" "$here"/nfsbench/*.c \
  $(pkg-config --cflags --libs libnfs) -lpthread
nfsbench="$bin/nfsbench"

mkdir -p "${BENCH_WORK:-/tmp}"
work="$(mktemp -d "${BENCH_WORK:-/tmp}/nfsbench.XXXXXX")"
ganesha_port=$port lifeboat_port=$((port + 10)) ganesha_started=0
cleanup() {
  stop_lifeboat
  [ "$ganesha_started" = 0 ] || "$here/ganesha.sh" stop "$work/export" "$ganesha_port" || true
  if [ "$keep" = 1 ]; then echo "run.sh: the work folder $work is kept." >&2; else rm -rf "$work"; fi
}
fail() { echo "run.sh: $*" >&2; keep=1; exit 1; }
trap cleanup EXIT
trap 'keep=1' ERR

# Lifeboat's mount servers by target name: "lifeboat", and "base" (another build) with --base-cli.
declare -A server_pid=() server_port=() server_url=()
server_port[lifeboat]=$lifeboat_port
server_port[base]=$((port + 20))

stop_server() {
  local name=$1 pid=${server_pid[$1]:-}
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  server_pid[$name]=""
}

stop_lifeboat() {
  stop_server lifeboat
  stop_server base
}

# A mount server with an empty write cache and nothing of the repository in the page cache. The other build's
# server is stopped and its cache folder emptied first, so that its hydrated copies are not being written back to
# disk while this one is measured.
start_cold() {
  local name=$1 out="$work/$1.out" cache="$work/$1-cache" url="" other
  for other in lifeboat base; do
    stop_server "$other"
    rm -rf "$work/$other-cache"
  done
  mkdir -p "$cache"
  "$nfsbench" dropcache "$work/repo" >/dev/null
  # Removed first: the loop below must never find the previous server's URL before the new one truncates it.
  rm -f "$out"
  local -a cmd extra
  if [ "$name" = base ]; then cmd=(dotnet "$work/base-cli/lifeboat.dll"); read -r -a extra <<<"$base_args"
  else read -r -a envs <<<"$lifeboat_env"; cmd=(env "${envs[@]}" "${lifeboat_cmd[@]}"); read -r -a extra <<<"$lifeboat_args"; extra+=(--control-socket "$work/control-$name.sock"); fi
  # NBD off (--nbd-port 0): the run reads over NFS only, and a test elsewhere on the machine may hold NBD's default port.
  "${cmd[@]}" mount-server --json --repo "$work/repo" --cache "$cache" --listen 127.0.0.1 \
    --nfs-port "${server_port[$name]}" --portmap-port 0 --nbd-port 0 --publish bench "${extra[@]}" >"$out" 2>&1 &
  server_pid[$name]=$!
  for _ in $(seq 600); do
    # The URL that names its ports (no portmap here); JSON writes its '&' as \u0026.
    url=$(grep -oE 'nfs://[^[:space:]"]*disk0\.raw[^[:space:]"]*' "$out" 2>/dev/null | sed 's/\\u0026/\&/g' \
          | grep -m1 'nfsport=' || true)
    [ -n "$url" ] && break
    kill -0 "${server_pid[$name]}" 2>/dev/null || { tail -n 20 "$out" >&2; fail "the $name mount server stopped during start-up."; }
    sleep 0.1
  done
  [ -n "$url" ] || { tail -n 20 "$out" >&2; fail "the $name mount server printed no nfs:// URL of disk0.raw in 60 s."; }
  server_url[$name]=$url
  [ "$name" = base ] || lifeboat_url=$url
}

# The disk: one fully allocated copy, read by nfs-ganesha and by the local runs alike.
mkdir -p "$work/export"
disk="$work/export/disk0.raw"
if [ -n "$raw" ]; then
  cp --sparse=never "$raw" "$disk"
else
  echo "run.sh: writing a $size disk of random bytes..." >&2
  head -c "$size" /dev/urandom >"$disk"
  raw="$disk"
fi
size_bytes=$(stat -c %s "$disk")
# The reads compare against the original; writes change only the copy (and Lifeboat's write cache).
reference="$work/reference.raw"
cp --reflink=auto --sparse=never "$disk" "$reference"

targets=(local ganesha)
if [ "$builds_only" = 1 ]; then
  targets=()
else
  # nfs-ganesha registers NFS and MOUNT with the machine's rpcbind, where test suites register their mount servers
  # too: take turns with them through their lock (tests/Lifeboat.Testing/Network/Port111Lock.cs) for the whole run.
  exec 8>/tmp/lifeboat-tests-port111.lock
  flock 8
  ganesha_base=$("$here/ganesha.sh" start "$work/export" "$ganesha_port")
  ganesha_started=1
  ganesha_url="${ganesha_base%%\?*}/disk0.raw?${ganesha_base#*\?}"
  "$nfsbench" check "$ganesha_url" "$reference" --seed "$seed" >/dev/null
fi

if [ "$lifeboat" = 1 ]; then
  # Build the CLI now, then run a copy of it: a rebuild of the tree during the run must not change what is measured.
  if [ -n "$lifeboat_cli" ]; then
    cp -a "$lifeboat_cli" "$work/lifeboat-cli"
  else
    "$root/lifeboat" --help >/dev/null || fail "the Lifeboat CLI did not build (see above); fix the tree, or run without --lifeboat."
    cp -a "$root/.build/cli" "$work/lifeboat-cli"
  fi
  lifeboat_cmd=(dotnet "$work/lifeboat-cli/lifeboat.dll")
  "${lifeboat_cmd[@]}" repo init "$work/repo" >/dev/null
  "${lifeboat_cmd[@]}" backup --repo "$work/repo" --vm bench --disk "$reference" >/dev/null
  if [ -n "$base_cli" ]; then
    cp -a "$base_cli" "$work/base-cli"
    start_cold base
    "$nfsbench" check "${server_url[base]}" "$reference" --seed "$seed" >/dev/null \
      || fail "the base build's disk0.raw does not hold the bytes of $raw."
    targets+=(base)
  fi
  start_cold lifeboat
  targets+=(lifeboat)
elif [ -n "$lifeboat_url" ]; then
  targets+=(lifeboat)
fi
if [ -n "$lifeboat_url" ]; then
  "$nfsbench" check "$lifeboat_url" "$reference" --seed "$seed" >/dev/null \
    || fail "Lifeboat's disk0.raw does not hold the bytes of $raw; publish a backup of that file."
fi

results="$work/results.jsonl"
: >"$results"
# One test on one target; "cold" tests first make sure that target has nothing of the disk cached.
run_one() {
  local target=$1 cold=$2; shift 2
  local where
  case "$target" in
    local)
      where=$disk
      [ "$cold" = 0 ] || "$nfsbench" dropcache "$disk" >/dev/null ;;
    ganesha)
      where=$ganesha_url
      [ "$cold" = 0 ] || "$nfsbench" dropcache "$disk" >/dev/null ;;
    lifeboat|base)
      # A warm test (the writes) on a server stopped meanwhile for the other build starts it again.
      if [ "$lifeboat" = 1 ] && { [ "$cold" = 1 ] || [ -z "${server_pid[$target]:-}" ]; }; then start_cold "$target"; fi
      where=${server_url[$target]:-$lifeboat_url} ;;
  esac
  local mode=nfs pid="" cpu_before=0
  [ "$target" = local ] && mode=local
  case "$target" in lifeboat|base) pid=${server_pid[$target]:-}; [ -z "$pid" ] || cpu_before=$(cpu_ticks "$pid") ;; esac
  if ! "$nfsbench" "$mode" "$where" --label "$target" "$@" >"$work/last.jsonl"; then
    if [ -f "$work/$target.out" ]; then
      echo "run.sh: the end of the mount server's output ($work/$target.out):" >&2
      tail -n 30 "$work/$target.out" >&2
    fi
    fail "nfsbench failed on $target (${*})."
  fi
  if [ -n "$pid" ]; then
    # The mount server's CPU time over the test's passes, per request: less moved by other work than ops/s.
    python3 "$here/report.py" --server-cpu $(( $(cpu_ticks "$pid") - cpu_before )) "$(getconf CLK_TCK)" \
      <"$work/last.jsonl" >"$work/last-cpu.jsonl"
    mv "$work/last-cpu.jsonl" "$work/last.jsonl"
  fi
  cat "$work/last.jsonl" >>"$results"
  python3 "$here/report.py" --progress <"$work/last.jsonl" >&2
}

# cpu_ticks PID: a process's CPU time in clock ticks.
source "$here/../cpu-ticks.sh"
source "$here/../keep-results.sh"

IFS=, read -r -a wdepths <<<"$write_depths"
wants() { [[ ",$tests," == *",$1,"* ]]; }
started=$(date +%s)
load_before=$(cut -d" " -f1-3 /proc/loadavg)
for rep in $(seq "$reps"); do
  echo "run.sh: repetition $rep of $reps" >&2
  s=$((seed * 1000 + rep * 10))
  # Back to back: each test runs on every target before the next test starts.
  # Back to back: each test runs on every target before the next test starts; the order of the targets
  # alternates between repetitions, so neither of two builds always runs right after the other.
  order=("${targets[@]}")
  if [ $((rep % 2)) = 0 ]; then order=(); for ((i = ${#targets[@]} - 1; i >= 0; i--)); do order+=("${targets[$i]}"); done; fi
  if wants randread1; then for t in "${order[@]}"; do run_one "$t" 1 --test randread --depth 1 --count "$count" --seed $((s + 1)); done; fi
  if wants randread16; then for t in "${order[@]}"; do run_one "$t" 1 --test randread --depth 16 --count "$count" --seed $((s + 2)); done; fi
  if wants seqread; then for t in "${order[@]}"; do run_one "$t" 1 --test seqread --depth 4 --seed $((s + 3)); done; fi
  if wants randwrite; then
    for d in "${wdepths[@]}"; do
      for t in "${order[@]}"; do run_one "$t" 0 --test randwrite --depth "$d" --count "$count" --seed $((s + 4 + d)); done
    done
  fi
done
elapsed=$(( $(date +%s) - started ))
load_after=$(cut -d" " -f1-3 /proc/loadavg)

report="$work/report.md"
python3 "$here/report.py" "$results" \
  --title "NFS side by side, $(date '+%Y-%m-%d %H:%M')" \
  --context "$(printf '%s\n' \
      "Command: \`bench/nfs-peers/run.sh $arguments\` ($reps repetitions, $elapsed s)." \
      "Disk: $((size_bytes / 1048576)) MiB raw file$( [ "$raw" = "$disk" ] && echo ' of random bytes' || echo " copied from $raw")." \
      "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), kernel $(uname -r);" \
      "nfs-ganesha $(dpkg-query -W -f='${Version}' nfs-ganesha), libnfs $(dpkg-query -W -f='${Version}' libnfs-dev);" \
      "load average (1, 5, 15 min) $load_before before the run, $load_after after it: other work shares the cores." \
      "Lifeboat: $( if [ "$lifeboat" = 1 ]; then echo 'started by run.sh, restarted with an empty cache before each read test'; elif [ -n "$lifeboat_url" ]; then echo "already running at $lifeboat_url"; else echo 'not measured'; fi)$( [ -n "$base_cli" ] && echo "; base: the build in $base_cli, the same way")." \
      "$( [ -n "$lifeboat_args$base_args$lifeboat_env" ] && echo "Mount-server options: lifeboat '$lifeboat_args', base '$base_args'; lifeboat's environment '$lifeboat_env'.")")" \
  >"$report"
cat "$report"
[ "$results_file" = 0 ] || keep_results "$report" "$results" "$here/results"
