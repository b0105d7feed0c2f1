#!/bin/bash
# xattr-types: the values the guest set, on the host's nodes themselves
# (getfattr -h: a symlink's own, not its target's).
set -euo pipefail
s=$1
. "$(dirname "$0")/../../host-check-lib.sh"
val() { getfattr -h --only-values -n "$2" "$s/$1" 2>/dev/null || echo none; }
for n in f d l p c; do
	expect "$n-value" "$n" "$(val "$n" trusted.t)"
	expect "$n-no-x" "none" "$(val "$n" trusted.x)"
done
expect f-user "1" "$(val f user.u)"
expect d-user "2" "$(val d user.u)"
expect c-still-device "character special file" "$(stat -c %F "$s/c")"
expect p-still-fifo "fifo" "$(stat -c %F "$s/p")"
