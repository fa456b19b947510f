#!/usr/bin/env python3
"""Drives one live mirror over QMP the way Lifeboat's mirror migration does (blockdev-add of the production raw
file, blockdev-mirror sync=full, wait for "ready", job-complete), then fsyncs the copy, and prints one JSON line
with the seconds each part took. Usage: mirror.py QMP_SOCKET TARGET_FILE [--job-args JSON]"""
import argparse
import json
import os
import socket
import sys
import time


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        for _ in range(1200):
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                time.sleep(0.05)
        else:
            sys.exit(f"mirror.py: QEMU's monitor socket {path} never answered; see QEMU's log.")
        self.file = self.sock.makefile("rwb", buffering=0)
        self.receive()  # greeting
        self.execute("qmp_capabilities")

    def receive(self):
        while True:
            line = self.file.readline()
            if not line:
                sys.exit("mirror.py: QEMU closed its monitor; see QEMU's log.")
            message = json.loads(line)
            if "event" not in message:
                return message

    def execute(self, command, arguments=None):
        request = {"execute": command}
        if arguments is not None:
            request["arguments"] = arguments
        self.file.write((json.dumps(request) + "\n").encode())
        answer = self.receive()
        if "error" in answer:
            sys.exit(f"mirror.py: {command} failed: {answer['error'].get('desc')}")
        return answer.get("return")

    def wait_job(self, job_id, goal):
        while True:
            job = next((j for j in self.execute("query-jobs") if j["id"] == job_id), None)
            if job is None:
                sys.exit(f"mirror.py: the job {job_id} is gone.")
            if job.get("error"):
                sys.exit(f"mirror.py: the job {job_id} failed: {job['error']}")
            if job["status"] in (goal, "concluded"):
                return job
            time.sleep(0.02)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("socket")
    parser.add_argument("target")
    parser.add_argument("--job-args", default="{}", help="extra blockdev-mirror arguments, as JSON")
    args = parser.parse_args()
    qmp = Qmp(args.socket)
    # As ProductionFiles.Node does for a raw production file.
    qmp.execute("blockdev-add", {"driver": "file", "filename": args.target, "node-name": "prod0",
                                 "discard": "unmap", "detect-zeroes": "unmap"})
    # As MirrorMigration.MirrorAsync runs it (keep the two alike).
    job = {"job-id": "mirror0", "device": "disk0", "target": "prod0", "sync": "full", "granularity": 256 * 1024,
           "auto-dismiss": False}
    job.update(json.loads(args.job_args))
    started = time.monotonic()
    qmp.execute("blockdev-mirror", job)
    ready = qmp.wait_job("mirror0", "ready")
    in_sync = time.monotonic()
    qmp.execute("job-complete", {"id": "mirror0"})
    qmp.wait_job("mirror0", "concluded")
    qmp.execute("job-dismiss", {"id": "mirror0"})
    completed = time.monotonic()
    descriptor = os.open(args.target, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    synced = time.monotonic()
    print(json.dumps({"ready_s": round(in_sync - started, 3), "complete_s": round(completed - started, 3),
                      "seconds": round(synced - started, 3), "bytes": ready.get("total-progress", 0)}))


if __name__ == "__main__":
    main()
