#!/usr/bin/env bash
# Runs nfs-ganesha (VFS backend, NFSv3 over TCP only) as a private instance exporting one folder, next to any
# system instance: its own configuration, pid file and log under /tmp/nfsbench-ganesha-PORT/.
#
#   ganesha.sh start EXPORT_DIR PORT   NFS on 127.0.0.1:PORT, MOUNT on PORT+1; prints the folder's nfs:// URL
#   ganesha.sh stop  EXPORT_DIR PORT
#
# ganesha.nfsd refuses to start unless it can register with rpcbind, so rpcbind is started when none answers
# on its local socket; `stop` stops that rpcbind again once nothing else is registered with it.
set -euo pipefail

usage() { echo "usage: $0 start|stop EXPORT_DIR PORT" >&2; exit 2; }
[ $# -eq 3 ] || usage
action=$1 export_dir=$2 port=$3
[[ $port =~ ^[0-9]+$ ]] && [ "$port" -ge 1024 ] && [ "$port" -le 65534 ] \
  || { echo "PORT must be a number from 1024 to 65534 (MOUNT uses PORT+1), not '$port'." >&2; exit 2; }
mount_port=$((port + 1))
state=/tmp/nfsbench-ganesha-$port
here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/../.." && pwd)

# ganesha registers through libtirpc, which talks to rpcbind over its local socket (/run/rpcbind.sock): ask there,
# not on 127.0.0.1:111, where another portmapper (Lifeboat's own) may answer instead.
portmapper_answers() { rpcinfo -p >/dev/null 2>&1; }
registered_programs() { rpcinfo -p 2>/dev/null | awk 'NR > 1 && $1 != 100000 { print $1 }' | sort -u; }
port_in_use() { ss -Hltn "sport = :$1" | grep -q .; }

start() {
  "$repo_root/tools/ensure-debian-packages.sh" nfs-ganesha nfs-ganesha-vfs rpcbind iproute2
  [ -d "$export_dir" ] || { echo "EXPORT_DIR $export_dir is not a folder; create it and put the disk file in it." >&2; exit 1; }
  export_dir=$(realpath "$export_dir")
  if [ -f "$state/ganesha.pid" ] && kill -0 "$(cat "$state/ganesha.pid")" 2>/dev/null; then
    echo "ganesha is already running for port $port (pid $(cat "$state/ganesha.pid")); run '$0 stop $export_dir $port' first." >&2
    exit 1
  fi
  for p in "$port" "$mount_port"; do
    if port_in_use "$p"; then echo "TCP port $p is already in use; choose another PORT." >&2; exit 1; fi
  done
  mkdir -p "$state"
  rm -f "$state/ganesha.log" "$state/rpcbind.pid"

  if ! portmapper_answers; then
    mkdir -p /run/rpcbind
    chown _rpc /run/rpcbind 2>/dev/null || true
    setsid rpcbind -f -w </dev/null >"$state/rpcbind.out" 2>&1 &
    echo $! >"$state/rpcbind.pid"
    for _ in $(seq 50); do portmapper_answers && break; sleep 0.1; done
    portmapper_answers || { echo "rpcbind did not start; see $state/rpcbind.out." >&2; exit 1; }
  fi
  # ganesha unregisters NFS and MOUNT at start-up: it would take them away from another server.
  local taken
  taken=$(registered_programs | grep -xE '100003|100005' || true)
  if [ -n "$taken" ]; then
    echo "Another NFS or MOUNT server is registered with rpcbind (programs: $(echo $taken));" \
         "stop it first (rpcinfo -p shows its port)." >&2
    exit 1
  fi

  cat >"$state/ganesha.conf" <<EOF
NFS_CORE_PARAM {
  NFS_Port = $port;
  MNT_Port = $mount_port;
  Bind_addr = 127.0.0.1;
  Protocols = 3;
  Enable_NLM = false;
  Enable_RQUOTA = false;
}
NFSV4 { Graceless = true; }
EXPORT {
  Export_Id = 1;
  Path = "$export_dir";
  Pseudo = "$export_dir";
  Access_Type = RW;
  Squash = No_Root_Squash;
  Transports = TCP;
  Protocols = 3;
  FSAL { Name = VFS; }
}
EOF
  setsid ganesha.nfsd -F -f "$state/ganesha.conf" -L "$state/ganesha.log" -p "$state/ganesha.pid" -N NIV_EVENT \
    </dev/null >"$state/ganesha.out" 2>&1 &
  local pid=$!
  echo "$pid" >"$state/ganesha.pid"
  for _ in $(seq 200); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "ganesha.nfsd stopped during start-up; the end of its log ($state/ganesha.log):" >&2
      tail -n 15 "$state/ganesha.log" >&2 || true
      exit 1
    fi
    grep -q 'NFS SERVER INITIALIZED' "$state/ganesha.log" 2>/dev/null && port_in_use "$port" && port_in_use "$mount_port" && break
    sleep 0.1
  done
  grep -q 'NFS SERVER INITIALIZED' "$state/ganesha.log" \
    || { echo "ganesha.nfsd did not finish starting in 20 s; see $state/ganesha.log." >&2; exit 1; }
  echo "nfs://127.0.0.1${export_dir}?nfsport=${port}&mountport=${mount_port}"
}

stop() {
  local pid
  if [ -f "$state/ganesha.pid" ]; then
    pid=$(cat "$state/ganesha.pid")
    if kill -0 "$pid" 2>/dev/null && grep -q ganesha "/proc/$pid/comm" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then
        echo "ganesha.nfsd (pid $pid) did not stop in 15 s after SIGTERM; killing it." >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    rm -f "$state/ganesha.pid"
  fi
  if [ -f "$state/rpcbind.pid" ]; then
    pid=$(cat "$state/rpcbind.pid")
    if [ -z "$(registered_programs)" ] && kill -0 "$pid" 2>/dev/null && grep -qx rpcbind "/proc/$pid/comm" 2>/dev/null; then
      kill -TERM "$pid"
      rm -f "$state/rpcbind.pid"
    fi
  fi
}

case $action in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
