#!/bin/bash
# before-listing / after-listing: the daemon's descriptors around the
# guest's first listing of fresh/ (1,000 entries, getdents only).  With
# READDIRPLUS (the guest asks for it on a listing's first READDIR) the
# daemon looks the entries up, each an inode with its own O_PATH descriptor;
# without (--no-readdirplus, -o no_readdirplus) it does not.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/../../host-check-lib.sh"

case "$1" in
before-listing)
	daemon_fds > "$TB_TEST_TMP/fds-before"
	;;
after-listing)
	before=$(cat "$TB_TEST_TMP/fds-before")
	after=$(daemon_fds)
	echo "NOTE daemon descriptors before the listing: $before, after: $after"
	if daemon_started_with '--no-readdirplus|no_readdirplus'; then
		expect listing-looked-nothing-up yes "$([ "$after" -le $((before + 3)) ] && echo yes)"
	else
		expect listing-looked-entries-up yes "$([ "$after" -ge $((before + 10)) ] && echo yes)"
	fi
	;;
esac
