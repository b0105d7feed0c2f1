#!/usr/bin/env python3
"""Where a hung guest's vCPUs are (tests/guest/host-lib.sh's hang snapshot).

  guest-cpus.py QMP_SOCK [SAMPLES]    asks QEMU SAMPLES times (default 3,
                                      0.5 s apart) for every vCPU's registers;
                                      prints a line per vCPU and sample: its
                                      instruction pointer, privilege level,
                                      whether interrupts are on, halted or not
  guest-cpus.py --symbols MAP         copies stdin to stdout, naming the
                                      kernel symbol after each "rip=ADDR"
                                      (MAP: /proc/kallsyms or System.map text)

A guest spinning in one place shows the same symbol in every sample; one
waiting for an interrupt is halted in the idle loop.  The test bed boots the
uncompressed kernel at its PVH entry, which does not relocate it (no KASLR),
so one guest's /proc/kallsyms names the addresses of every boot.
"""
import bisect
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp import Qmp  # noqa: E402


def load_map(path):
    syms = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] in ("t", "T", "w", "W"):
                syms.append((int(parts[0], 16), parts[2]))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def symbolize(path):
    addrs, names = load_map(path)

    def name(m):
        ip = int(m.group(1), 16)
        i = bisect.bisect_right(addrs, ip) - 1
        sym = "%s+0x%x" % (names[i], ip - addrs[i]) if i >= 0 and ip - addrs[i] < 0x100000 else "?"
        return "%s %s" % (m.group(0), sym)

    for line in sys.stdin:
        sys.stdout.write(re.sub(r"rip=([0-9a-f]{16})", name, line))
    return 0


def sample(path, samples):
    q = Qmp(path, 2.0)
    for n in range(samples):
        text = q.cmd("human-monitor-command", {"command-line": "info registers -a"})
        # "CPU#0" starts each vCPU's block.
        for block in re.split(r"^CPU#", text, flags=re.M)[1:]:
            cpu = block.split("\n", 1)[0].strip()
            rip = re.search(r"RIP=([0-9a-f]+)", block)
            rfl = re.search(r"RFL=([0-9a-f]+)", block)
            cs = re.search(r"^CS =([0-9a-f]+)", block, re.M)
            hlt = re.search(r"HLT=(\d)", block)
            if not rip:
                continue
            flags = int(rfl.group(1), 16) if rfl else 0
            print("sample %d cpu %s rip=%016x cpl=%s if=%d%s" % (
                n, cpu, int(rip.group(1), 16), int(cs.group(1), 16) & 3 if cs else "?",
                (flags >> 9) & 1, " halted" if hlt and hlt.group(1) == "1" else ""))
        if n + 1 < samples:
            time.sleep(0.5)
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "--symbols":
        return symbolize(argv[2])
    if len(argv) < 2 or argv[1].startswith("-"):
        sys.stderr.write(__doc__)
        return 2
    return sample(argv[1], int(argv[2]) if len(argv) > 2 else 3)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, EOFError, RuntimeError, ValueError) as e:
        sys.stderr.write("guest-cpus: %s\n" % e)
        sys.exit(1)
