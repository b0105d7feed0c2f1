#!/bin/bash
# The share holds an ext4 filesystem at r/ (ext4 gives a deleted file's
# inode number to the next file made): r/f000..f099, each holding its own
# inode number.
set -euo pipefail
img=$TB_TEST_TMP/reuse.ext4
truncate -s 64M "$img"
mkfs.ext4 -q -F "$img"
mkdir "$1/r"
mount -o loop "$img" "$1/r"
for i in $(seq -w 0 99); do
	f=$1/r/f0$i
	: > "$f"
	stat -c %i "$f" | tr -d '\n' > "$f"
done
