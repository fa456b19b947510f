#!/usr/bin/env bash
# What narrowing a publication costs a remote host's reads: the same restore point published twice, once narrowed
# (`publish --allow HOST`) and once left to the mount server's `--allow` list, each disk read whole over a veth pair
# from a network namespace (libnfs's nfs-cat, libnbd's nbdcopy), alternating, ROUNDS times; prints the medians and
# the ratio narrowed / unnarrowed. Needs root, nfs-cat, nbdcopy. Addresses are from 198.18.0.0/15 only.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
lifeboat="$root/lifeboat"
size_mib=${SIZE_MIB:-256}
rounds=${ROUNDS:-9}
work=$(mktemp -d /tmp/lb-narrowed-XXXXXX)
id=$(printf '%04x' $((RANDOM % 65536)))
ns="lbbench-$id"; veth="lbbv$id"; peer="lbbi$id"
block=$(( (RANDOM % 8000 + 100) * 4 ))
here="198.19.$((block >> 8)).$(( (block & 255) + 1 ))"
inside="198.19.$((block >> 8)).$(( (block & 255) + 2 ))"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  ip link delete "$veth" 2>/dev/null || true
  ip netns delete "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$lifeboat" --version >/dev/null 2>&1 || "$lifeboat" --help >/dev/null
head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/disk.raw"
"$lifeboat" repo init "$work/repo" >/dev/null
"$lifeboat" backup --repo "$work/repo" --vm guest --disk "$work/disk.raw" >/dev/null

ip netns add "$ns"
ip -n "$ns" link set lo up
ip link add "$veth" type veth peer name "$peer" netns "$ns"
ip addr add "$here/30" dev "$veth"; ip link set "$veth" up
ip -n "$ns" addr add "$inside/30" dev "$peer"; ip -n "$ns" link set "$peer" up

nfs_port=$(free_port); nbd_port=$(free_port)
"$lifeboat" mount-server --repo "$work/repo" --cache "$work/cache" --listen 127.0.0.1 --nfs-port "$nfs_port" --portmap-port 0 \
  --nbd-port "$nbd_port" --nbd-socket none --control-socket "$work/control.sock" --allow "$inside" --publish guest \
  --log-level Warning >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do [ -S "$work/control.sock" ] && break; sleep 0.1; done
narrowed=$("$lifeboat" publish guest --allow "$inside" --control-socket "$work/control.sock" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["name"])')

declare -A times
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }
# The order alternates from round to round, so neither kind always reads second (after the other warmed the CPU caches).
for round in $(seq 1 "$rounds"); do
  order=(guest "$narrowed"); [ $((round % 2)) -eq 0 ] && order=("$narrowed" guest)
  for pub in "${order[@]}"; do
    kind=$([ "$pub" = guest ] && echo unnarrowed || echo narrowed)
    times[nfs-$kind]+="$(seconds ip netns exec "$ns" nfs-cat "nfs://$here/lifeboat/$pub/disk0.raw?nfsport=$nfs_port&mountport=$nfs_port") "
    times[nbd-$kind]+="$(seconds ip netns exec "$ns" nbdcopy "nbd://$here:$nbd_port/$pub/disk0" null:) "
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "disk ${size_mib} MiB, ${rounds} rounds, read from a namespace over a veth pair; median seconds (MiB/s)"
for protocol in nfs nbd; do
  n=$(echo "${times[$protocol-narrowed]}" | median); u=$(echo "${times[$protocol-unnarrowed]}" | median)
  printf '%s: narrowed %.3f s (%.0f MiB/s), unnarrowed %.3f s (%.0f MiB/s), ratio narrowed/unnarrowed %.3f\n' \
    "$protocol" "$n" "$(echo "$size_mib / $n" | bc -l)" "$u" "$(echo "$size_mib / $u" | bc -l)" "$(echo "$n / $u" | bc -l)"
done
