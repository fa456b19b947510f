"""The processes, the page cache and the CPU time the benches look at: evicting files from the page cache, CPU
seconds of a process and of its threads, powering off a QEMU by its pid file, allocated bytes, a free port."""
import os
import resource
import signal
import socket
import time


def drop_page_cache(paths):
    """Evicts the files' clean pages (posix_fadvise DONTNEED: no privilege needed, unlike /proc/sys/vm/drop_caches),
    so every method starts from a cold page cache for what it reads."""
    os.sync()
    for root in paths:
        files = [root] if os.path.isfile(root) else [os.path.join(d, f) for d, _, names in os.walk(root) for f in names]
        for name in files:
            try:
                fd = os.open(name, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def cpu_seconds(pid):
    """User and system CPU seconds a process has used so far; None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, TypeError):
        return None


def thread_cpu(pid):
    """CPU seconds by thread name (the runtime names its threads: ".NET TP Worker", ".NET Tiered Com", ...) of a
    process so far; threads of one name are summed, so a delta of two calls says what kind of work took the CPU."""
    by_name = {}
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return by_name
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        by_name[name] = by_name.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return by_name


def thread_cpu_delta(before, after):
    """after - before by thread name, the ones that used any CPU, largest first."""
    delta = {name: round(after[name] - before.get(name, 0.0), 2) for name in after}
    return dict(sorted(((n, d) for n, d in delta.items() if d > 0), key=lambda item: -item[1]))


def children_cpu():
    """CPU seconds of this process's children that have ended (the CLI commands it ran)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def read_pid(pidfile):
    try:
        with open(pidfile) as f:
            return int(f.read(64).strip())
    except (FileNotFoundError, ValueError):
        return None


def power_off(pidfile):
    """SIGTERM to the QEMU that wrote pidfile (it flushes and exits), SIGKILL if it lingers."""
    pid = read_pid(pidfile)
    if pid is None or not is_qemu_for(pid, pidfile):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while is_qemu_for(pid, pidfile):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)


def is_qemu_for(pid, pidfile):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return pidfile.encode() in f.read().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return False


def allocated(path):
    return os.stat(path).st_blocks * 512


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
