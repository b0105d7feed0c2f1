#!/bin/bash
# Files that hold their own host inode number: r/f000..f299, r/sub/s00..s49.
set -euo pipefail
python3 - "$1/r" <<'PY'
import os, sys
root = sys.argv[1]
os.makedirs(os.path.join(root, "sub"))
def make(path):
    with open(path, "w") as f:
        pass
    with open(path, "w") as f:
        f.write("%d" % os.stat(path).st_ino)
for i in range(300):
    make(os.path.join(root, "f%03d" % i))
for i in range(50):
    make(os.path.join(root, "sub", "s%02d" % i))
PY
