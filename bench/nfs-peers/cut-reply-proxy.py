# A TCP proxy in front of an ONC RPC server that cuts one reply short, as a server killed in the middle of sending
# it would: on the first connection it forwards CUT whole reply records, then only the first PARTIAL bytes of the
# next, and resets both sides; later connections pass through. Shows how an NFS client recovers from that:
#
#   python3 cut-reply-proxy.py LISTEN_PORT SERVER_PORT CUT PARTIAL &
#   nfswriter "nfs://127.0.0.1/lifeboat/VM/disk0.raw?nfsport=LISTEN_PORT&mountport=SERVER_PORT" --reconnect libnfs
#
# (nfswriter: tests/Lifeboat.Cli.Tests/NfsWriter/nfswriter.c.) With libnfs 4.0.0 (Debian 12) and CUT 5000:
# PARTIAL 0 (a cut between records) recovers; PARTIAL 2 (inside the record mark) never gets another answer;
# PARTIAL 10 or 60 (inside the reply) fails the next calls with "Message rejected by server". libnfs 5.0.3 and
# later reset their receive state on reconnect (upstream commit a38a321); nfswriter's own reconnect always recovers.
import socket, struct, sys, threading
listen_port, server_port, cut, partial = map(int, sys.argv[1:5])
conn_no = 0
def rst(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); s.shutdown(socket.SHUT_RDWR); s.close()
    except OSError: pass
def pump(src, dst):
    try:
        while True:
            d = src.recv(65536)
            if not d: break
            dst.sendall(d)
    except OSError: pass
    rst(dst); rst(src)
def replies(src, dst, cutting):
    buf = b''; n = 0
    try:
        while True:
            d = src.recv(65536)
            if not d: break
            buf += d
            while len(buf) >= 4:
                size = struct.unpack('>I', buf[:4])[0] & 0x7fffffff
                if len(buf) < 4 + size: break
                if cutting and n == cut:
                    dst.sendall(buf[:partial]); print(f'cut reply {n} after {partial} bytes', flush=True)
                    import time; time.sleep(0.2); rst(dst); rst(src); return
                dst.sendall(buf[:4 + size]); buf = buf[4 + size:]; n += 1
    except OSError: pass
    rst(dst); rst(src)
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); l.bind(('127.0.0.1', listen_port)); l.listen(16)
while True:
    c, _ = l.accept(); conn_no += 1
    s = socket.create_connection(('127.0.0.1', server_port))
    print(f'connection {conn_no}', flush=True)
    threading.Thread(target=pump, args=(c, s), daemon=True).start()
    threading.Thread(target=replies, args=(s, c, conn_no == 1), daemon=True).start()
