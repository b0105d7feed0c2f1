#!/bin/bash
# Host steps: "daemon-started" tells the guest which daemon serves it, in the
# share's file .testbed-daemon (ours, ref-c or ref-rust), so that guest.sh can
# apply that daemon's list of known deviations (DAEMON-expected-fail).  The
# runner does not pass the kind to hooks: $TB_DAEMON if it ever does, else
# the daemon's command line, the first line of its log.
set -euo pipefail
case "$1" in
daemon-started)
	kind=${TB_DAEMON:-}
	if [ -z "$kind" ]; then
		cmd=$(head -n 1 "$TB_TEST_TMP/daemon.log")
		case "$cmd" in
		*" -o source="*) kind=ref-c ;;
		*/ref-rust/*) kind=ref-rust ;;
		*) kind=ours ;;
		esac
	fi
	echo "$kind" > "$2/.testbed-daemon"
	;;
esac
