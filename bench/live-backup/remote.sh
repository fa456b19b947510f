#!/usr/bin/env bash
# Live backup of a domain on another libvirt host (issue 17 item 3): one run, on one running domain of a second
# libvirt host made here as tests/Lifeboat.Testing/Hosts/LibvirtTestHost.cs makes it (a network namespace joined by a veth pair
# with a random /30 of 198.18.0.0/15, a private mount namespace with its own /run, /var/{lib,cache,log}/libvirt and
# /etc/libvirt, libvirtd on TCP and TLS with a test CA from certtool, QEMU's TLS folder for NBD exports).
# Full backups, in this order, each of the same running domain:
#   lifeboat over qemu+tcp (NBD in the clear), lifeboat over qemu+tls (NBD with STARTTLS),
#   virtnbdbackup -U qemu+tcp (NBD in the clear), virtnbdbackup -U qemu+tcp --tls (NBD with TLS).
# Each tool's checkpoints are deleted before the next one runs (virtnbdbackup refuses foreign ones).
# Usage: remote.sh [--data-mib 1024] [--keep]
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
arguments="$*"
data_mib=1024 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --data-mib) data_mib="${2:?}"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: remote.sh [--data-mib 1024] [--keep]" >&2; exit 2 ;;
  esac
done
"$root/tools/ensure-debian-packages.sh" time python3 qemu-utils virtnbdbackup gnutls-bin iproute2 libvirt-daemon-system libvirt-clients

id=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
ns="lbvt-$id" outside="lbvt${id}o" inside="lbvt${id}i" domain=lifeboat-remote-bench
work="$(mktemp -d /tmp/lifeboat-remote-bench.XXXXXX)"
fail() { echo "remote.sh: $*" >&2; exit 1; }
cleanup() {
  if ip netns list | grep -q "^$ns\b"; then
    for _ in $(seq 50); do
      pids=$(ip netns pids "$ns" 2>/dev/null || true); [ -z "$pids" ] && break
      kill -9 $pids 2>/dev/null || true; sleep 0.2
    done
    ip netns delete "$ns" 2>/dev/null || true
  fi
  ip link delete "$outside" 2>/dev/null || true
  if [ "$keep" = 0 ] && [ "${ok:-0}" = 1 ]; then rm -rf "$work"; else echo "remote.sh: work folder kept: $work" >&2; fi
}
trap cleanup EXIT
trap 'fail "a command failed at line $LINENO."' ERR

# A /30 of the benchmarking range that no interface here uses.
while :; do
  block=$(( $(od -An -N2 -tu2 /dev/urandom) % 32768 ))
  local_ip="198.$((18 | (block >> 14))).$(((block >> 6) & 255)).$((((block & 63) << 2) + 1))"
  host_ip="198.$((18 | (block >> 14))).$(((block >> 6) & 255)).$((((block & 63) << 2) + 2))"
  ip -o -4 addr show | grep -q " ${local_ip%.*}\." || break
done
ip netns add "$ns"
ip link add "$outside" type veth peer name "$inside" netns "$ns"
ip addr add "$local_ip/30" dev "$outside"; ip link set "$outside" up
ip -n "$ns" addr add "$host_ip/30" dev "$inside"; ip -n "$ns" link set "$inside" up; ip -n "$ns" link set lo up

# A test CA, the host's certificate for its address, and a client certificate; in the layouts libvirt's client
# (pkipath: cacert.pem, clientcert.pem, clientkey.pem), QEMU (ca-cert.pem, server-cert.pem, server-key.pem) and
# libnbd (ca-cert.pem, client-cert.pem, client-key.pem) want.
mkdir -p "$work"/{ca,server,pki,qemu-tls,nbd-client}
certificate() { # KEY CERT TEMPLATE [CA]
  printf '%s\n' "$3" >"$2.info"
  certtool --generate-privkey --key-type=rsa --bits=2048 --outfile "$1" 2>/dev/null
  if [ -n "${4:-}" ]; then
    certtool --generate-certificate --load-privkey "$1" --load-ca-certificate "$work/server/cacert.pem" --load-ca-privkey "$work/ca/cakey.pem" --template "$2.info" --outfile "$2" 2>/dev/null
  else
    certtool --generate-self-signed --load-privkey "$1" --template "$2.info" --outfile "$2" 2>/dev/null
  fi
}
certificate "$work/ca/cakey.pem" "$work/server/cacert.pem" $'cn = "Lifeboat bench CA"\nca\ncert_signing_key\nexpiration_days = 2'
certificate "$work/server/serverkey.pem" "$work/server/servercert.pem" "cn = \"$host_ip\""$'\n'"ip_address = \"$host_ip\""$'\ntls_www_server\nencryption_key\nsigning_key\nexpiration_days = 2' ca
certificate "$work/pki/clientkey.pem" "$work/pki/clientcert.pem" $'cn = "lifeboat-bench-client"\ntls_www_client\nencryption_key\nsigning_key\nexpiration_days = 2' ca
cp "$work/server/cacert.pem" "$work/pki/cacert.pem"; cp "$work/server/cacert.pem" "$work/qemu-tls/ca-cert.pem"; cp "$work/server/cacert.pem" "$work/nbd-client/ca-cert.pem"
cp "$work/server/servercert.pem" "$work/qemu-tls/server-cert.pem"; cp "$work/server/serverkey.pem" "$work/qemu-tls/server-key.pem"
cp "$work/pki/clientcert.pem" "$work/nbd-client/client-cert.pem"; cp "$work/pki/clientkey.pem" "$work/nbd-client/client-key.pem"

# Its /etc/libvirt: a copy without anything of this machine's to autostart, listening on its address only.
cp -a /etc/libvirt "$work/etc"
rm -rf "$work/etc/qemu/networks/autostart" "$work/etc/storage/autostart" "$work/etc/qemu/autostart" "$work"/etc/qemu/*.xml
cat >"$work/etc/libvirtd.conf" <<CONF
listen_tls = 1
listen_tcp = 1
listen_addr = "$host_ip"
auth_tcp = "none"
auth_tls = "none"
ca_file = "$work/server/cacert.pem"
cert_file = "$work/server/servercert.pem"
key_file = "$work/server/serverkey.pem"
CONF
cat >"$work/etc/qemu.conf" <<CONF
user = "root"
group = "root"
security_driver = "none"
remember_owner = 0
cgroup_controllers = [ ]
default_tls_x509_cert_dir = "$work/qemu-tls"
default_tls_x509_verify = 1
CONF
ip netns exec "$ns" unshare --mount --propagation private sh -c "
  set -e
  mount -t tmpfs -o mode=0755 tmpfs /run
  for f in /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do mount -t tmpfs -o mode=0755 tmpfs \$f; done
  mount --bind '$work/etc' /etc/libvirt
  virtlogd -d; libvirtd -d --listen
  exec sleep infinity" </dev/null >"$work/holder.log" 2>&1 &
tcp="qemu+tcp://$host_ip/system" tls="qemu+tls://$host_ip/system?pkipath=$work/pki"
for _ in $(seq 300); do virsh -c "$tcp" version >/dev/null 2>&1 && break; sleep 0.2; done
virsh -c "$tcp" version >/dev/null || fail "the bench's libvirt host did not answer at $tcp: $(cat "$work/holder.log")"
virsh -c "$tls" version >/dev/null || fail "the bench's libvirt host did not answer over TLS at $tls."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
"$root/lifeboat" --help >/dev/null 2>"$work/lifeboat-build.txt" || { cat "$work/lifeboat-build.txt" >&2; fail "./lifeboat does not build."; }
flock "$root/.build/cli/.lock" cp -a "$root/.build/cli" "$work/lifeboat-cli"
lifeboat=(dotnet "$work/lifeboat-cli/lifeboat.dll")
guest="$("$root/tests/guest/build-guest.sh" 2>"$work/guest-build.txt")"
qemu-img create -q -f qcow2 -b "$guest/guest.raw" -F raw "$work/boot.qcow2"
echo "remote.sh: host $host_ip up; a ${data_mib} MiB data disk of random bytes..." >&2
head -c "$((data_mib * 1024 * 1024))" /dev/urandom >"$work/data.raw"
qemu-img convert -O qcow2 "$work/data.raw" "$work/data.qcow2"; rm -f "$work/data.raw"
cat >"$work/domain.xml" <<XML
<domain type='qemu'>
  <name>$domain</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <sysinfo type='fwcfg'><entry name='opt/lifeboat/mode'>records</entry></sysinfo>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/></features>
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
virsh -c "$tcp" define "$work/domain.xml" >/dev/null
virsh -c "$tcp" start "$domain" >/dev/null
for _ in $(seq 600); do grep -q LIFEBOAT-GUEST-RECORD "$work/serial.log" 2>/dev/null && virsh -c "$tcp" qemu-agent-command "$domain" '{"execute":"guest-ping"}' >/dev/null 2>&1 && break; sleep 0.4; done
virsh -c "$tcp" qemu-agent-command "$domain" '{"execute":"guest-ping"}' >/dev/null
cat "$work/data.qcow2" "$work/boot.qcow2" "$guest/guest.raw" >/dev/null # every run reads them from the page cache

drop_checkpoints() {
  for c in $(virsh -c "$tcp" checkpoint-list "$domain" --name --topological | tac); do virsh -c "$tcp" checkpoint-delete "$domain" "$c" >/dev/null; done
}
results="$work/results.tsv"
printf 'tool\ttransport\tseconds\trss_kb\tbytes_read\n' >"$results"
run() { # TOOL TRANSPORT BYTES_READ_COMMAND -- COMMAND...
  local tool="$1" transport="$2" bytes="$3"; shift 4
  drop_checkpoints
  local t0 t1; t0=$(date +%s.%N)
  /usr/bin/time -v -o "$work/$tool-$transport.time" "$@" >"$work/$tool-$transport.out" 2>"$work/$tool-$transport.err" || { tail -n 20 "$work/$tool-$transport.err" >&2; fail "$* failed."; }
  t1=$(date +%s.%N)
  printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$transport" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')" \
    "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$tool-$transport.time")" "$(eval "$bytes")" >>"$results"
  echo "remote.sh:   $tool over $transport: $(tail -n 1 "$results" | cut -f3) s" >&2
}
lb_bytes='python3 "$here/lifeboat_facts.py" "$work/lifeboat-$transport.out" | cut -f1'
vb_bytes='find "$work/vb-$transport" -name "*.data" -printf "%s\n" | awk "{s += \$1} END {print s + 0}"'
for transport in tcp tls; do
  uri=$tcp; [ "$transport" = tls ] && uri=$tls
  "${lifeboat[@]}" repo init "$work/repo-$transport" --json >/dev/null
  run lifeboat "$transport" "$lb_bytes" -- "${lifeboat[@]}" backup --repo "$work/repo-$transport" --vm bench --libvirt "$domain" --connect "$uri" --work-dir "$work/lb-work" --json
done
for transport in tcp tls; do
  extra=(); [ "$transport" = tls ] && extra=(--tls --tls-cert "$work/nbd-client")
  # Without ssh in the URI virtnbdbackup asks for credentials; the host's auth_tcp = "none" ignores them.
  run virtnbdbackup "$transport" "$vb_bytes" -- virtnbdbackup -U "$tcp" --user root --password unused -I "$host_ip" -P 10809 -d "$domain" -l full -o "$work/vb-$transport" "${extra[@]}"
done
drop_checkpoints

stamp=$(date +%Y-%m-%d-%H%M)
report="$here/results-remote-$stamp.md"
{
  echo "# Live backup of a domain on another libvirt host, $(date '+%Y-%m-%d %H:%M %Z')"
  echo
  echo "Command: \`bench/live-backup/remote.sh $arguments\`; one run. Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end (shared cores: noisy)."
  echo "Versions: Lifeboat $(git -C "$root" rev-parse --short HEAD); virtnbdbackup $(virtnbdbackup --version 2>&1 | tail -n 1); $(virsh -c "$tcp" version 2>/dev/null | grep -i 'running hypervisor' | tr -s ' ')."
  echo "Host: a second libvirtd in a network namespace over a veth pair ($host_ip); domain: the test guest (TCG, 1 vCPU, 256 MiB, writing records) with vda its 128 MiB boot overlay and vdb ${data_mib} MiB of random bytes (qcow2). Full backups; NBD over TCP from the host's address."
  echo
  python3 - "$results" <<'PY'
import csv, sys
rows = {(r["tool"], r["transport"]): r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t")}
print("| tool | NBD | seconds | MiB read | MiB/s | peak RSS MiB |")
print("| --- | --- | --- | --- | --- | --- |")
for (tool, transport), r in rows.items():
    s, b = float(r["seconds"]), int(r["bytes_read"] or 0)
    print(f"| {tool} | {'TLS' if transport == 'tls' else 'clear'} | {s:.2f} | {b / 2**20:.0f} | {b / 2**20 / s:.0f} | {int(r['rss_kb']) / 1024:.0f} |")
def t(tool, transport): return float(rows[(tool, transport)]["seconds"])
print()
print(f"- Lifeboat over TLS / Lifeboat in the clear (qemu+tls / qemu+tcp): {t('lifeboat', 'tls') / t('lifeboat', 'tcp'):.2f}x the time")
print(f"- Lifeboat over TLS / virtnbdbackup over TLS: {t('lifeboat', 'tls') / t('virtnbdbackup', 'tls'):.2f}x the time (goal <= 1)")
print(f"- Lifeboat over TLS / virtnbdbackup in the clear: {t('lifeboat', 'tls') / t('virtnbdbackup', 'tcp'):.2f}x the time")
print(f"- Lifeboat in the clear / virtnbdbackup in the clear: {t('lifeboat', 'tcp') / t('virtnbdbackup', 'tcp'):.2f}x the time")
PY
} >"$report"
cat "$report"
cp "$results" "${report%.md}.tsv"
ok=1
