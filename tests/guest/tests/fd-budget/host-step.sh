#!/bin/bash
# A sampler of the daemon's open descriptors runs from the daemon's start
# to the end of the test (host-check.sh reads its maxima).
set -euo pipefail
state=$TB_TEST_TMP/fd-sampler
case "$1" in
daemon-started)
	mkdir -p "$state"
	python3 "$(dirname "$(readlink -f "$0")")/fd-sampler.py" "$TB_TEST_TMP/vhost-user-fs.sock" \
		"$state" > /dev/null 2>&1 &
	echo $! > "$state/pid"
	;;
stop-sampler|cleanup)
	if [ -f "$state/pid" ]; then
		kill "$(cat "$state/pid")" 2> /dev/null || true
		rm -f "$state/pid"
	fi
	;;
esac
