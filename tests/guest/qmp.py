#!/usr/bin/env python3
"""A minimal QMP client for the migration tests (tests/guest/migrate.sh).

  qmp.py SOCK COMMAND [ARGS-JSON]     runs one QMP command; prints its "return"
                                      as JSON (exit 1 and the error on stderr
                                      when QEMU answers an error)
  qmp.py SOCK --hmp 'info migrate'    runs a human monitor command, prints text
  qmp.py SOCK --wait-migrate STATUS[,STATUS...] SECONDS [--min-sync N]
         [--then-set PARAMS-JSON]     polls query-migrate until its status is
                                      one of STATUS (and, with --min-sync, the
                                      RAM dirty-sync-count reached N), then
                                      (--then-set) sets migration parameters
                                      at once; prints the last answer as JSON.  Exit 0 when
                                      reached, 1 when another final status
                                      came (completed, failed, cancelled), 2 on
                                      timeout.

Each call opens its own connection (QEMU serves one QMP client at a time) and
waits up to $QMP_WAIT seconds (default 10) for the socket to accept it.
"""
import json
import os
import socket
import sys
import time

FINAL = {"completed", "failed", "cancelled"}


class Qmp:
    def __init__(self, path, wait=10.0):
        deadline = time.monotonic() + wait
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.file = self.sock.makefile("rb")
        self._read()  # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.file.readline()
        if not line:
            raise EOFError("QMP connection closed")
        return json.loads(line)

    def cmd(self, name, args=None):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError("%s: %s" % (name, reply["error"].get("desc", reply["error"])))
            # events are skipped


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    path, what = argv[1], argv[2]
    try:
        q = Qmp(path, float(os.environ.get("QMP_WAIT", "10")))
    except (OSError, EOFError) as e:
        sys.stderr.write("qmp: cannot connect to %s: %s\n" % (path, e))
        return 3
    try:
        if what == "--hmp":
            sys.stdout.write(q.cmd("human-monitor-command", {"command-line": argv[3]}))
            return 0
        if what == "--wait-migrate":
            want = set(argv[3].split(","))
            deadline = time.monotonic() + float(argv[4])
            min_sync = 0
            then_set = None
            rest = argv[5:]
            while rest:
                if rest[0] == "--min-sync":
                    min_sync = int(rest[1])
                elif rest[0] == "--then-set":
                    then_set = json.loads(rest[1])
                else:
                    raise RuntimeError("unknown option %s" % rest[0])
                rest = rest[2:]
            while True:
                info = q.cmd("query-migrate")
                status = info.get("status", "none")
                ram = info.get("ram", {})
                sync = ram.get("dirty-sync-count", 0)
                if os.environ.get("QMP_TRACE"):
                    sys.stderr.write("qmp: %.1f %s sync=%s remaining=%s mbps=%s dirty-rate=%s\n" % (
                        time.monotonic(), status, sync, ram.get("remaining"), ram.get("mbps"),
                        ram.get("dirty-pages-rate")))
                if status in want and sync >= min_sync:
                    if then_set:
                        q.cmd("migrate-set-parameters", then_set)
                    print(json.dumps(info))
                    return 0
                if status in FINAL and status not in want:
                    print(json.dumps(info))
                    return 1
                if time.monotonic() > deadline:
                    print(json.dumps(info))
                    return 2
                time.sleep(0.1)
        args = json.loads(argv[3]) if len(argv) > 3 else None
        print(json.dumps(q.cmd(what, args)))
        return 0
    except (RuntimeError, EOFError, OSError) as e:
        sys.stderr.write("qmp: %s\n" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
