#!/bin/bash
# manifest.sh DIR: one line per entry under DIR: path, type, mode, size,
# mtime, ctime, user xattrs and, for a file, its sha256.
set -euo pipefail
cd "$1"
find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r p; do
	sum=-
	[ -f "$p" ] && [ ! -L "$p" ] && sum=$(sha256sum < "$p" | cut -c1-16)
	x=$(python3 -c 'import os, sys
p = sys.argv[1]
print(",".join("%s=%r" % (n, os.getxattr(p, n, follow_symlinks=False))
               for n in sorted(os.listxattr(p, follow_symlinks=False)) if n.startswith("user.")))' "$p")
	echo "$(stat -c '%n %F %a %s %Y %Z' "$p") $sum $x"
done
