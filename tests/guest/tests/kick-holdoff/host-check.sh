#!/bin/bash
# The aio-verify workload (fio, 16 in flight, every block checked) with
# --kick-holdoff: the data must come back whole (the guest's checks), and
# the holdoff must have been taken, found requests, and spared the guest
# most of its kicks; without it, at 16 in flight, nearly every request
# comes with a kick.  Each request queue logs its counts when it stops:
#   queue N: R requests, K kick wake-ups, H holdoffs, F of them found some
set -uo pipefail
# shellcheck source=../../host-check-lib.sh
. "$(dirname "$(readlink -f "$0")")/../../host-check-lib.sh"
log=$TB_TEST_TMP/daemon.log
counts=$(sed -n 's/.*queue [0-9]*: \([0-9]*\) requests, \([0-9]*\) kick wake-ups, \([0-9]*\) holdoffs, \([0-9]*\) of them found some.*/\1 \2 \3 \4/p' "$log")
echo "NOTE per queue (requests kick-wake-ups holdoffs found): $(echo "$counts" | tr '\n' ';')"
# Summed over the queues (one, or several on the current stack).
read -r requests kicks held found <<< "$(echo "$counts" |
	awk '{ r += $1; k += $2; h += $3; f += $4 } END { print r + 0, k + 0, h + 0, f + 0 }')"
expect holdoffs-found-requests yes "$([ "$found" -ge 100 ] && [ "$found" -le "$held" ] && echo yes)"
expect kicks-below-half-the-requests yes "$([ "$requests" -ge 1000 ] && [ $((kicks * 2)) -lt "$requests" ] && echo yes)"
