#!/bin/bash
# The tree the guest walks: FD_BUDGET_DIRS top folders x 10 subfolders x
# FD_BUDGET_FILES files (defaults 12 x 10 x 100: 12,000 files, 12,132
# entries; tree-count: entries, files, folders).  Every file holds its own
# name, unique in the tree, so a read through a wrong descriptor shows.
set -euo pipefail
share=$1
dirs=${FD_BUDGET_DIRS:-12}
files=${FD_BUDGET_FILES:-100}
python3 - "$share/tree" "$dirs" "$files" <<'PY'
import os, sys
root, dirs, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n = nfiles = ndirs = 0
for d in range(dirs):
    for s in range(10):
        path = os.path.join(root, "d%03d" % d, "s%02d" % s)
        os.makedirs(path)
        n += 1 + (s == 0)
        ndirs += 1 + (s == 0)
        for f in range(files):
            name = "d%03d-s%02d-f%04d" % (d, s, f)
            with open(os.path.join(path, name), "w") as fh:
                fh.write(name)
            n += 1
            nfiles += 1
with open(os.path.join(os.path.dirname(root), "tree-count"), "w") as fh:
    fh.write("%d %d %d\n" % (n, nfiles, ndirs))
print("NOTE tree of %d entries" % n)
PY
