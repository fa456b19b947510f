#!/usr/bin/env bash
# File restore through the server, as a user runs it, against guestfish on the same disk in the same run:
# time to the first listing (`lifeboat files`, appliance start included), a warm listing over REST, and the
# download of the 2 GiB file of the guestfs test disks over REST (server -> NBD -> appliance -> HTTP) against
# `guestfish --remote download` of the same file from the local raw disk. Also the server's RSS with a session open.
# Usage: bench/file-restore-rest/run.sh  (after `dotnet build src/Lifeboat.Cli` and the guestfs test disks exist).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cli="$root/.build/artifacts/bin/Lifeboat.Cli/debug/lifeboat"
disks="$root/.build/guestfs-disks-v1/v1"
work=$(mktemp -d /tmp/fr-rest-XXXXXX)
port=$((20000 + RANDOM % 20000))
export LIBGUESTFS_BACKEND=direct
[ -e /dev/kvm ] && [ "${LIFEBOAT_QEMU_ACCEL:-tcg}" = tcg ] && export LIBGUESTFS_BACKEND_SETTINGS=force_tcg
export LIFEBOAT_SERVER="127.0.0.1:$port"
cleanup() { [ -n "${server:-}" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; guestfish --remote="${gf:-0}" exit 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
now() { date +%s.%N; }
took() { echo "$2 - $1" | bc; }

"$cli" server --data "$work/data" --listen "127.0.0.1:$port" --portmap-port "$((port + 1))" --nfs-port 0 --nbd-port 0 --control-socket "$work/control.sock" > "$work/server.log" 2>&1 &
server=$!
until curl -sf "http://127.0.0.1:$port/health" > /dev/null; do sleep 0.2; done
export LIFEBOAT_TOKEN=$(cat "$work/data/api-token" 2>/dev/null || true)
"$cli" backup --repo "$work/data/repository" --vm files --disk "$disks/disk0.raw" --disk "$disks/disk1.raw" > /dev/null
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

t0=$(now); "$cli" files files sda1:/big > /dev/null; t1=$(now)
echo "first listing (open session, appliance start, list, close): $(took $t0 $t1) s"

auth=(-H "Authorization: Bearer $LIFEBOAT_TOKEN")
id=$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d '{"vm":"files","restorePoint":"latest"}' "http://127.0.0.1:$port/api/file-restores" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -sf "${auth[@]}" "http://127.0.0.1:$port/api/file-restores/$id/tree?path=sda1:/docs" > /dev/null
t0=$(now); for i in 1 2 3 4 5; do curl -sf "${auth[@]}" "http://127.0.0.1:$port/api/file-restores/$id/tree?path=sda1:/docs&offset=$i" > /dev/null; done; t1=$(now)
echo "warm listing over REST: $(echo "($t1 - $t0) / 5 * 1000" | bc -l | cut -c1-6) ms"
echo "server RSS with 1 session: $(( $(awk '/VmRSS/ {print $2}' /proc/$(pgrep -f "lifeboat-server.dll --data $work/data" | head -1)/status) / 1024 )) MiB"

t0=$(now); curl -sf "${auth[@]}" -o /dev/null "http://127.0.0.1:$port/api/file-restores/$id/download?format=raw&path=sda1:/big/two-gib.bin"; t1=$(now)
rest=$(took $t0 $t1)
curl -sf "${auth[@]}" -X DELETE "http://127.0.0.1:$port/api/file-restores/$id" > /dev/null

eval "$(guestfish --listen --ro --format=raw -a "$disks/disk0.raw")"; gf=$GUESTFISH_PID
guestfish --remote="$gf" -- run
guestfish --remote="$gf" -- mount-ro /dev/sda1 /
t0=$(now); guestfish --remote="$gf" -- download /big/two-gib.bin /dev/null; t1=$(now)
local=$(took $t0 $t1)
echo "2 GiB file: REST $rest s ($(echo "2048 / $rest" | bc -l | cut -c1-6) MiB/s), guestfish from the local raw disk $local s ($(echo "2048 / $local" | bc -l | cut -c1-6) MiB/s); REST/guestfish throughput $(echo "$local / $rest" | bc -l | cut -c1-5)x"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
