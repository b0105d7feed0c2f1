#!/bin/bash
# replace: while the guest knows every file and the daemon (fd cache of 16)
# has evicted almost all their descriptors, the host deletes f000..f049 and
# makes g000..g049, which take the numbers no descriptor holds (the guest
# checks that some did: otherwise the test proves nothing).
set -euo pipefail
r=$2/r
case "$1" in
replace)
	old=$(stat -c %i "$r"/f00* "$r"/f01* "$r"/f02* "$r"/f03* "$r"/f04* | sort)
	rm -f "$r"/f00* "$r"/f01* "$r"/f02* "$r"/f03* "$r"/f04*
	for i in $(seq -w 0 49); do
		g=$r/g0$i
		: > "$g"
		stat -c %i "$g" | tr -d '\n' > "$g"
	done
	reused=$(stat -c %i "$r"/g* | sort | comm -12 - <(echo "$old") | wc -l)
	echo "host: $reused of 50 new files took a deleted file's inode number"
	;;
cleanup)
	! mountpoint -q "$r" || umount -l "$r"
	;;
esac
