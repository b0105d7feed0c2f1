#!/usr/bin/env python3
"""fd-sampler.py SOCK OUTDIR: until killed, samples the open descriptors
(/proc/PID/fd) and resident memory of every process whose command line
holds --socket-path=SOCK (the daemon and its sandboxed child; not QEMU,
whose -chardev names SOCK too), and keeps the maxima in
OUTDIR/max-fds, OUTDIR/max-rss-kb and max-anon-kb (RssAnon; start-*: the
first sample of the serving process) and the sample count in OUTDIR/samples."""
import os
import sys
import time

# How tests/guest/host-lib.sh starts every daemon (ours, ref-c, ref-rust).
sock, out = b"--socket-path=" + sys.argv[1].encode(), sys.argv[2]
os.makedirs(out, exist_ok=True)
max_fds = max_rss = samples = start_rss = max_anon = start_anon = 0
pids, rescan = [], 0.0


def write(name, value):
    tmp = os.path.join(out, name + ".tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % value)
    os.replace(tmp, os.path.join(out, name))


while True:
    now = time.monotonic()
    if now >= rescan:
        pids, rescan = [], now + 1.0
        for p in os.listdir("/proc"):
            if not p.isdigit() or int(p) == os.getpid():
                continue
            try:
                with open("/proc/%s/cmdline" % p, "rb") as f:
                    if sock in f.read():
                        pids.append(p)
            except OSError:
                pass
    for p in pids:
        try:
            n = len(os.listdir("/proc/%s/fd" % p))
            with open("/proc/%s/status" % p) as f:
                st = dict(l.split(":", 1) for l in f if ":" in l)
            rss = int(st.get("VmRSS", "0 kB").split()[0])
            # RssAnon: the heap (inode records, tables), without the
            # guest memory the daemon maps (shared, RssShmem/RssFile).
            anon = int(st.get("RssAnon", "0 kB").split()[0])
        except OSError:
            continue
        samples += 1
        # The serving process is the one with the most fds (the sandbox's
        # parent only waits); its first RSS is the empty-table baseline.
        if not start_rss and n > 8 and rss:
            start_rss, start_anon = rss, anon
            write("start-rss-kb", start_rss)
            write("start-anon-kb", start_anon)
        if anon > max_anon:
            max_anon = anon
            write("max-anon-kb", max_anon)
        if n > max_fds:
            max_fds = n
            write("max-fds", max_fds)
        if rss > max_rss:
            max_rss = rss
            write("max-rss-kb", max_rss)
    if samples % 50 == 0:
        write("samples", samples)
    time.sleep(0.02)
