#!/bin/bash
# change: what a user does on the host while the guest runs, each kind of
# change once: contents rewritten in place (also of a file the guest holds
# open), a mode, a removal, a rename, a symlink pointed elsewhere, entries
# added to and removed from a listed directory, new files and directories,
# and a name replaced by a rename over it (a new inode behind a name the
# guest knows).
set -euo pipefail
s=$2
case "$1" in
change)
	printf 'second version, longer\n' > "$s/f"
	chmod 600 "$s/f"
	rm "$s/g"
	mv "$s/h" "$s/h2"
	ln -sfn h2 "$s/link"
	touch "$s/d/c"
	rm "$s/d/a"
	echo new > "$s/new"
	mkdir "$s/newdir"
	echo inside > "$s/newdir/x"
	printf 'line1-B\nline2-B\nline3-B\n' > "$s/held"
	echo replaced > "$s/r.tmp"
	mv "$s/r.tmp" "$s/r"
	;;
esac
