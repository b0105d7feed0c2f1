#!/bin/bash
# locked: the guest's lock on the shared file is a lock on the host file
# (/proc/locks names a file as MAJOR:MINOR:INODE, the numbers in hex).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/../../host-check-lib.sh"
case "$1" in
locked)
	f=$2/locked
	want=$(printf '%02x:%02x:%d' "$(stat -c %Hd "$f")" "$(stat -c %Ld "$f")" "$(stat -c %i "$f")")
	expect lock-on-host yes "$(grep -q " $want " /proc/locks && echo yes)"
	;;
esac
