#!/bin/bash
# flags: the O_DIRECT and O_NOATIME bits of the daemon's open descriptors on
# each file (found by (st_dev, st_ino); O_PATH ones are the inodes' own):
# set on "direct" and "noatime" exactly when the daemon was started with
# --allow-direct-io (-o allow_direct_io) / --preserve-noatime, never on
# "plain".
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/../../host-check-lib.sh"
share=$2

# "direct noatime" bits of the daemon's open descriptors on share/$1, one
# line per descriptor ("-" for neither).
flags_of() {
	local f
	for f in $(daemon_open_flags "$share/$1"); do
		echo "$( (( f & 040000 )) && echo direct)$( (( f & 01000000 )) && echo noatime)" |
			sed 's/^$/-/; s/directnoatime/direct noatime/'
	done
}

case "$1" in
flags)
	want_direct=-
	daemon_started_with '--allow-direct-io|allow_direct_io' && want_direct=direct
	want_noatime=-
	daemon_started_with '--preserve-noatime' && want_noatime=noatime
	for made in "" -old; do
		expect "plain$made-flags" - "$(flags_of "plain$made" | sort -u)"
		expect "direct$made-flags" "$want_direct" "$(flags_of "direct$made" | sort -u)"
		expect "noatime$made-flags" "$want_noatime" "$(flags_of "noatime$made" | sort -u)"
	done
	;;
esac
