#!/bin/bash
# mutate: while the guest knows every file and the daemon (fd cache of 16)
# has evicted almost all their descriptors, the host moves names around.
set -euo pipefail
r=$2/r
remake() {
	rm -f "$1"
	: > "$1"
	printf '%s' "$(stat -c %i "$1")" > "$1"
}
case "$1" in
mutate)
	mv "$r/f000" "$r/moved-f000"      # renamed
	rm "$r/f001"                      # deleted
	remake "$r/f002"                  # replaced by another file
	mv "$r/f003" "$r/tmp" && mv "$r/f004" "$r/f003" && mv "$r/tmp" "$r/f004"  # swapped
	# f100..f199 rotated: each name now holds the next file.
	mv "$r/f100" "$r/tmp"
	for i in $(seq 100 198); do mv "$r/f$((i + 1))" "$r/f$i"; done
	mv "$r/tmp" "$r/f199"
	mv "$r/sub" "$r/sub2"             # folder renamed
	;;
esac
