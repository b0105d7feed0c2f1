#!/bin/bash
# A small tree to read, and its manifest (paths, types, modes, sizes, times,
# contents, user xattrs) for host-check.sh to compare after the guest tried
# to change every part of it.
set -euo pipefail
cd "$1"
printf 'hello, read-only\n' > f
chmod 0644 f
mkdir d
printf 'inside\n' > d/e
ln -s f l
mkfifo p
python3 -c 'import os; os.setxattr("f", "user.k", b"v")'
touch -d '2001-02-03 04:05:06' f d/e d
bash "$(dirname "$(readlink -f "$0")")/manifest.sh" "$1" > "$TB_TEST_TMP/manifest"
