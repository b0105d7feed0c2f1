#!/bin/bash
# The birth times the guest saw are the host's; a guest older than 6.6 (no
# FUSE_STATX) sees none.
set -euo pipefail
s=$1
. "$(dirname "$0")/../../host-check-lib.sh"

read -r _ kernel < "$s/btime.txt"
while read -r p b; do
	case "$kernel" in
	[2-5].*|6.[0-5].*) expect "btime-$p" "btime=none" "$b" ;;
	*) expect "btime-$p" "btime=$(stat -c '%.9W' "$s/$p")" "$b" ;;
	esac
done < <(tail -n +2 "$s/btime.txt")
