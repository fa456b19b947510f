#!/usr/bin/env bash
# Live backup benchmark (issues 9, 21): Lifeboat (`backup --libvirt`) against virtnbdbackup and virtnbdbackup -z on the same running
# libvirt domain in the same run. The domain is the test guest (tests/guest, mode `records`: it appends and
# syncs 4 KiB records on its boot disk without end and numbers them on its serial console) with a 2 GiB qcow2
# data disk (vdb) holding the bench/backup-peers lab image. No NIC; libvirt's networks are never started.
# Per rep: Lifeboat full, virtnbdbackup full, virtnbdbackup -z full, the guest rewrites 5% of vdb's data blocks (1 MiB each, from
# /dev/urandom, with dd inside the guest through the agent's guest-exec), the three incrementals. Measured: wall time, peak RSS (/usr/bin/time -v), bytes read from the VM, bytes stored (du),
# time frozen, and the guest's record rate during each backup against an idle window of the same length.
# Usage: run.sh [--reps N] [--seed 1] [--percent 5] [--data-size 2G] [--keep]
# LIVE_BENCH_PERF=1 records each Lifeboat backup with perf (perf-<rep>-<level>.data and a report in the work folder).
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
arguments="$*"
reps=1 seed=1 percent=5 data_size=2G keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps="${2:?}"; shift 2 ;;
    --seed) seed="${2:?}"; shift 2 ;;
    --percent) percent="${2:?}"; shift 2 ;;
    --data-size) data_size="${2:?}"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: run.sh [--reps N] [--seed 1] [--percent 5] [--data-size 2G] [--keep]" >&2; exit 2 ;;
  esac
done
domain=lifeboat-live-bench uri=qemu:///system
"$root/tools/ensure-debian-packages.sh" time e2fsprogs python3 qemu-utils virtnbdbackup libvirt-daemon-system libvirt-clients

mkdir -p "${BENCH_WORK:-/tmp}"
work="$(mktemp -d "${BENCH_WORK:-/tmp}/lifeboat-live-bench.XXXXXX")"
started_libvirtd=0
virsh() { command virsh -q -c "$uri" "$@"; }
cleanup() {
  virsh destroy "$domain" >/dev/null 2>&1 || true
  for c in $(virsh checkpoint-list "$domain" --name 2>/dev/null); do virsh checkpoint-delete "$domain" "$c" --metadata >/dev/null 2>&1 || true; done
  virsh undefine "$domain" --checkpoints-metadata >/dev/null 2>&1 || virsh undefine "$domain" >/dev/null 2>&1 || true
  if [ "$started_libvirtd" = 1 ]; then
    [ -f "$work/libvirtd.pid" ] && kill "$(cat "$work/libvirtd.pid")" 2>/dev/null || true
    [ -f "$work/virtlogd.pid" ] && kill "$(cat "$work/virtlogd.pid")" 2>/dev/null || true
  fi
  if [ "$keep" = 0 ] && [ "${ok:-0}" = 1 ]; then rm -rf "$work"; else echo "run.sh: work folder kept: $work" >&2; fi
}
trap cleanup EXIT
fail() { echo "run.sh: $*" >&2; exit 1; }
trap 'fail "a command failed at line $LINENO."' ERR

# libvirtd as the tests start it, only when none answers, and never with a network to autostart.
if ! virsh version >/dev/null 2>&1; then
  if [ -d /etc/libvirt/qemu/networks/autostart ] && [ -n "$(ls -A /etc/libvirt/qemu/networks/autostart)" ]; then
    fail "libvirt would autostart the networks in /etc/libvirt/qemu/networks/autostart; disable them first."
  fi
  virtlogd -d -p "$work/virtlogd.pid"; libvirtd -d -p "$work/libvirtd.pid"; started_libvirtd=1
  for _ in $(seq 100); do virsh version >/dev/null 2>&1 && break; sleep 0.2; done
  virsh version >/dev/null
fi
virsh destroy "$domain" >/dev/null 2>&1 || true
virsh undefine "$domain" --checkpoints-metadata >/dev/null 2>&1 || true

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
"$root/lifeboat" --help >/dev/null 2>"$work/lifeboat-build.txt" || { cat "$work/lifeboat-build.txt" >&2; fail "./lifeboat does not build."; }
flock "$root/.build/cli/.lock" cp -a "$root/.build/cli" "$work/lifeboat-cli"
lifeboat=(dotnet "$work/lifeboat-cli/lifeboat.dll")

guest="$("$root/tests/guest/build-guest.sh" 2>"$work/guest-build.txt")"
echo "run.sh: work folder $work; making the $data_size lab image..." >&2
"$root/bench/backup-peers/make-lab-image.sh" "$work/lab.img" "$data_size" "$seed" 2>"$work/image.txt"
qemu-img create -q -f qcow2 -b "$guest/guest.raw" -F raw "$work/boot.qcow2"
qemu-img convert -O qcow2 "$work/lab.img" "$work/data.qcow2"
# The blocks the guest rewrites: PERCENT% of vdb's 1 MiB blocks that hold data, seeded, new ones each rep.
python3 -c '
import os, random, sys
sys.path.insert(0, sys.argv[5])
from change_blocks import data_blocks
found = data_blocks(sys.argv[1]); total = -(-os.path.getsize(sys.argv[1]) // (1 << 20))
n = round(total * float(sys.argv[2]) / 100)
rng = random.Random(int(sys.argv[3]))
for _ in range(int(sys.argv[4])): print(" ".join(str(b) for b in sorted(rng.sample(found, n))))
' "$work/lab.img" "$percent" "$seed" "$reps" "$root/bench/backup-peers" >"$work/blocks.txt"
rm -f "$work/lab.img"

# TCG like the tests (KVM here stopped the guest with an internal error); LIVE_BENCH_DOMAIN_TYPE=kvm to try KVM.
type="${LIVE_BENCH_DOMAIN_TYPE:-qemu}"
make_xml() {
  cat >"$work/domain.xml" <<XML
<domain type='$1'>
  <name>$domain</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <sysinfo type='fwcfg'><entry name='opt/lifeboat/mode'>records</entry></sysinfo>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$work/boot.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$work/data.qcow2'/><target dev='vdb' bus='virtio'/></disk>
    <serial type='file'><source path='$work/serial.log'/><target port='0'/></serial>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
  </devices>
  <seclabel type='static' model='dac' relabel='no'><label>root:root</label></seclabel>
</domain>
XML
}
make_xml "$type"
# Defined (not transient): virtnbdbackup's incremental backups need persistent checkpoints.
virsh define "$work/domain.xml" >/dev/null
if ! virsh start "$domain" >/dev/null 2>"$work/start.err"; then
  [ "$type" = kvm ] || { cat "$work/start.err" >&2; fail "the domain did not start."; }
  type=qemu; virsh undefine "$domain" >/dev/null; make_xml qemu; virsh define "$work/domain.xml" >/dev/null; virsh start "$domain" >/dev/null
fi
echo "run.sh: domain $domain started ($type); waiting for the guest's records and its agent..." >&2
for _ in $(seq 600); do grep -q LIFEBOAT-GUEST-RECORD "$work/serial.log" 2>/dev/null && virsh qemu-agent-command "$domain" '{"execute":"guest-ping"}' >/dev/null 2>&1 && break; sleep 0.4; done
virsh qemu-agent-command "$domain" '{"execute":"guest-ping"}' >/dev/null

# The last record the console numbered, from whole lines only: the guest prints a line in pieces, and a last line
# read before its newline may end inside the number ('RECORD 7' of 'RECORD 723' made a rep's rate negative).
record() {
  tail -c 65536 "$work/serial.log" | python3 -c 'import re, sys
text = sys.stdin.buffer.read()
found = re.findall(rb"LIFEBOAT-GUEST-RECORD ([0-9]+)\r?\n", text[:text.rfind(b"\n") + 1])
print(int(found[-1]) if found else 0)'
}
now() { date +%s.%N; }
results="$work/results.tsv"
printf 'rep\ttool\tlevel\tseconds\trss_kb\tbytes_read\tstored_total\tfrozen_ms\trecords\trecord_seconds\tnote\n' >"$results"

measure() { # OUT_PREFIX COMMAND...: M_SECONDS, M_RSS_KB, M_RECORDS (guest records written meanwhile)
  local out="$1"; shift
  local r0 r1 t0 t1
  r0=$(record); t0=$(now)
  /usr/bin/time -v -o "$out.time" "$@" >"$out.out" 2>"$out.err" || { tail -n 20 "$out.err" >&2; fail "$* failed (see $out.err)."; }
  t1=$(now); r1=$(record)
  M_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
  M_RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out.time")
  M_RECORDS=$((r1 - r0))
}
idle() { # SECONDS: records the guest writes with no backup running
  local r0 r1 t0 t1; r0=$(record); t0=$(now); sleep "$1"; t1=$(now); r1=$(record)
  printf '%s\tidle\t-\t%s\t\t\t\t\t%s\t%s\t\n' "$rep" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')" "$((r1 - r0))" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')" >>"$results"
}
guest_change() { # BLOCKS...: the guest rewrites these 1 MiB blocks of /dev/vdb and syncs
  local script="for b in $*; do dd if=/dev/urandom of=/dev/vdb bs=1048576 count=1 seek=\$b conv=notrunc 2>/dev/null || exit 1; done; sync"
  local pid; pid=$(virsh qemu-agent-command "$domain" "$(python3 -c 'import json,sys; print(json.dumps({"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c",sys.argv[1]]}}))' "$script")" | python3 -c 'import json,sys; print(json.load(sys.stdin)["return"]["pid"])')
  for _ in $(seq 1200); do
    st=$(virsh qemu-agent-command "$domain" "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}")
    if python3 -c 'import json,sys; r=json.loads(sys.argv[1])["return"]; sys.exit(0 if r["exited"] else 1)' "$st"; then
      python3 -c 'import json,sys; r=json.loads(sys.argv[1])["return"]; sys.exit(r.get("exitcode", 1))' "$st" || fail "the guest's dd failed: $st"
      return 0
    fi
    sleep 0.25
  done
  fail "the guest's change did not finish."
}
stored() { du -sb "$1" | cut -f1; }
new_bytes() { # DIR STAMPFILE: apparent bytes of the files virtnbdbackup wrote after STAMPFILE
  find "$1" -type f -newer "$2" \( -name '*.data' -o -name '*.data.partial' \) -printf '%s\n' | awk '{s += $1} END {print s + 0}'
}

# virtnbdbackup refuses to run while the domain has a checkpoint it did not make ("Foreign checkpoint found"), so
# each tool's checkpoints are set aside (libvirt metadata only: the qcow2 bitmaps stay and keep tracking) while
# the other runs, and redefined after it: checkpoint-dumpxml, checkpoint-delete --metadata, checkpoint-create --redefine.
# Only the named tool's checkpoints (by name) go into its folder, added to what is there: setting aside whatever was
# defined into a folder emptied first lost Lifeboat's checkpoint when virtnbdbackup ran twice in a row (reps 1-2).
owner_prefix() { case "$1" in lifeboat) echo "lifeboat-bench-" ;; virtnbdbackup*) echo "virtnbdbackup." ;; esac; }
hide_checkpoints() { # TOOL: set aside that tool's checkpoints now defined, into $work/hidden-TOOL/, parents first
  local dir="$work/hidden-$1" prefix; prefix=$(owner_prefix "$1"); mkdir -p "$dir"
  local i; i=$(ls "$dir" | wc -l)
  local names=() c
  for c in $(virsh checkpoint-list "$domain" --name --topological); do
    [[ "$c" == "$prefix"* ]] || continue
    i=$((i + 1)); virsh checkpoint-dumpxml "$domain" "$c" >"$dir/$(printf %03d $i).xml"; names=("$c" "${names[@]}")
  done
  for c in "${names[@]}"; do virsh checkpoint-delete "$domain" "$c" --metadata >/dev/null; done
}
# virtnbdbackup and virtnbdbackup -z both name their checkpoints and bitmaps virtnbdbackup.N: only one of them has
# its checkpoints defined at a time (vnb_active), and the other's bitmaps are renamed aside-TOOL.virtnbdbackup.N
# meanwhile (bitmaps_aside.py: one QMP transaction per rename, so they keep recording every write).
vnb_active=""
rename_bitmaps() { # FROM_PREFIX TO_PREFIX
  local t; t=$(virsh qemu-monitor-command "$domain" '{"execute":"query-named-block-nodes","arguments":{"flat":true}}' | python3 "$here/bitmaps_aside.py" "$1" "$2")
  [ -z "$t" ] || virsh qemu-monitor-command "$domain" "$t" >/dev/null
}
hide_vnb() { # set aside whichever virtnbdbackup's checkpoints are defined
  [ -n "$vnb_active" ] || return 0
  hide_checkpoints "$vnb_active"; rename_bitmaps "virtnbdbackup." "aside-$vnb_active.virtnbdbackup."; vnb_active=""
}
use_vnb() { # TOOL: that virtnbdbackup's checkpoints defined, the other's set aside
  [ "$vnb_active" = "$1" ] && return 0
  hide_vnb; rename_bitmaps "aside-$1.virtnbdbackup." "virtnbdbackup."; unhide_checkpoints "$1"; vnb_active="$1"
}
unhide_checkpoints() { # TOOL
  local dir="$work/hidden-$1" f; [ -d "$dir" ] || return 0
  for f in $(ls "$dir"); do virsh checkpoint-create "$domain" "$dir/$f" --redefine >/dev/null; done
  rm -rf "$dir"
}
checkpoints() { # WHEN: libvirt's checkpoints of the domain (name, parent) and the qcow2 bitmaps of vdb, into checkpoints.txt
  { echo "== rep $rep, $1"; virsh checkpoint-list "$domain" --topological --parent | sed 's/^/  checkpoint /'
    virsh qemu-monitor-command "$domain" '{"execute":"query-named-block-nodes","arguments":{"flat":true}}' 2>/dev/null \
      | python3 -c 'import json,sys; [print("  bitmap", n["node-name"], b["name"]) for n in json.load(sys.stdin)["return"] for b in n.get("dirty-bitmaps", [])]' || true
  } >>"$work/checkpoints.txt"
}
lb_repo="$work/lifeboat-repo"
mkdir -p "$work/lb-work"
"${lifeboat[@]}" repo init "$lb_repo" --json >"$work/repo-init.json"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
perf_wrap=()
if [ "${LIVE_BENCH_PERF:-0}" = 1 ]; then export DOTNET_PerfMapEnabled=1; fi
lifeboat_backup() { # LEVEL
  hide_vnb; unhide_checkpoints lifeboat
  checkpoints "before lifeboat $1"
  [ "${LIVE_BENCH_PERF:-0}" = 1 ] && perf_wrap=(perf record -q -F 999 -g -o "$work/perf-$rep-$1.data" --)
  measure "$work/lb-$rep-$1" "${perf_wrap[@]}" "${lifeboat[@]}" backup --repo "$lb_repo" --vm bench --libvirt "$domain" --connect "$uri" --work-dir "$work/lb-work" --json
  checkpoints "after lifeboat $1"
  local facts; facts=$(python3 "$here/lifeboat_facts.py" "$work/lb-$rep-$1.out")
  printf '%s\tlifeboat\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$1" "$M_SECONDS" "$M_RSS_KB" "$(cut -f1 <<<"$facts")" "$(stored "$lb_repo")" "$(cut -f2 <<<"$facts")" "$M_RECORDS" "$M_SECONDS" "$(cut -f3 <<<"$facts")" >>"$results"
  echo "run.sh:   lifeboat $1: ${M_SECONDS}s" >&2
  if [ "${LIVE_BENCH_PERF:-0}" = 1 ]; then
    perf report -q -i "$work/perf-$rep-$1.data" --no-children --sort dso,sym --percent-limit 1 2>/dev/null | head -n 60 >"$work/perf-$rep-$1.txt" || true
  fi
}
vnb_backup() { # TOOL (virtnbdbackup|virtnbdbackup-z) LEVEL (full|inc)
  local tool="$1" level="$2" out="$work/$1" extra=()
  [ "$tool" = virtnbdbackup-z ] && extra=(-z)
  hide_checkpoints lifeboat; use_vnb "$tool"
  touch "$work/stamp"; sleep 0.01
  checkpoints "before $tool $level"
  measure "$work/$tool-$rep-$level" virtnbdbackup -U "$uri" -d "$domain" -l "$level" "${extra[@]}" -o "$out"
  checkpoints "after $tool $level"
  local log; log=$(ls -t "$out"/backup.*.log 2>/dev/null | head -n 1 || true)
  local frozen; frozen=$(python3 "$here/virtnbdbackup_frozen.py" "$work/$tool-$rep-$level.err" ${log:+"$log"})
  # Bytes read: the stream files' apparent size, uncompressed only (with -z they hold lz4 frames).
  local read=""; [ "$tool" = virtnbdbackup ] && read=$(new_bytes "$out" "$work/stamp")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$tool" "$level" "$M_SECONDS" "$M_RSS_KB" "$read" "$(stored "$out")" "$(cut -f1 <<<"$frozen")" "$M_RECORDS" "$M_SECONDS" "$(cut -f2 <<<"$frozen")" >>"$results"
  echo "run.sh:   $tool $level: ${M_SECONDS}s" >&2
}

for ((rep = 1; rep <= reps; rep++)); do
  echo "run.sh: rep $rep: idle window, full backups, the guest's change, incremental backups..." >&2
  idle 10
  if [ "$rep" = 1 ]; then lifeboat_backup full; vnb_backup virtnbdbackup full; vnb_backup virtnbdbackup-z full; fi
  guest_change $(sed -n "${rep}p" "$work/blocks.txt")
  idle 10
  # Lifeboat first, between or last (rep 1, 2, 3...): none of the three always runs right after the guest's change.
  case $((rep % 3)) in
    1) lifeboat_backup incremental; vnb_backup virtnbdbackup inc; vnb_backup virtnbdbackup-z inc ;;
    2) vnb_backup virtnbdbackup-z inc; lifeboat_backup incremental; vnb_backup virtnbdbackup inc ;;
    0) vnb_backup virtnbdbackup inc; vnb_backup virtnbdbackup-z inc; lifeboat_backup incremental ;;
  esac
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

stamp=$(date +%Y-%m-%d-%H%M)
report="$here/results-$stamp.md"
{
  echo "# Live backup against virtnbdbackup and virtnbdbackup -z, $(date '+%Y-%m-%d %H:%M %Z')"
  echo
  echo "Command: \`bench/live-backup/run.sh $arguments\` ($reps rep(s), change $percent% of vdb's 1 MiB data blocks per rep, seed $seed)."
  echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/Mem:/ {print $2}') GiB; load average $load_start at the start, $load_end at the end (shared cores: figures are noisy)."
  echo "Versions: Lifeboat $(git -C "$root" rev-parse --short HEAD)$( [ -z "$(git -C "$root" status --porcelain -- src)" ] || echo ' + uncommitted changes'); virtnbdbackup $(virtnbdbackup --version 2>&1 | tail -n 1); $(command virsh -c "$uri" version 2>/dev/null | grep -i 'running hypervisor\|library' | tr '\n' ';')"
  echo "Domain: the test guest (kernel $(cat "$guest/guest.json" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("kernelVersion","?"))'), 1 vCPU, 256 MiB, $type, mode records) with vda = its boot disk (qcow2 overlay, 128 MiB) and vdb = $data_size qcow2 of the lab image ($(sed -n 's/^lab content in [^:]*: //p' "$work/image.txt")); no NIC."
  echo
  python3 "$here/report.py" "$results"
} >"$report"
cat "$report"
echo "run.sh: wrote $report" >&2
cp "$results" "${report%.md}.tsv"
ok=1
