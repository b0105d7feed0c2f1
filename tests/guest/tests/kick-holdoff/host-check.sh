#!/bin/bash
# fio at 16 in flight (steady reads, then checked writes) with the default
# --kick-holdoff: the data must come back whole (the guest's checks),
# the queues' trials must have found, more than once, that the holdoff
# serves more in this TCG guest (the layout and the checked writes change
# phase too often to win every trial), and it must have been taken, found requests, and spared the
# guest most of its kicks; without it, at 16 in flight, nearly every
# request comes with a kick.  Each request queue logs its counts when it
# stops:
#   queue N: R requests, K kick wake-ups, H holdoffs, F of them found some
#   queue N: the holdoff served more in W of T trials
set -uo pipefail
# shellcheck source=../../host-check-lib.sh
. "$(dirname "$(readlink -f "$0")")/../../host-check-lib.sh"
log=$TB_TEST_TMP/daemon.log
counts=$(sed -n 's/.*queue [0-9]*: \([0-9]*\) requests, \([0-9]*\) kick wake-ups, \([0-9]*\) holdoffs, \([0-9]*\) of them found some.*/\1 \2 \3 \4/p' "$log")
echo "NOTE per queue (requests kick-wake-ups holdoffs found): $(echo "$counts" | tr '\n' ';')"
# Summed over the queues (one, or several on the current stack).
read -r requests kicks held found <<< "$(echo "$counts" |
	awk '{ r += $1; k += $2; h += $3; f += $4 } END { print r + 0, k + 0, h + 0, f + 0 }')"
# The request queues' trials, summed.  The hiprio queue (0) runs none: the
# guest does not wait on its FORGETs, so they are not paced by answers.
expect hiprio-no-trials "" "$(grep -o 'queue 0: the holdoff served more.*' "$log")"
read -r wins trials <<< "$(sed -n 's/.*queue [0-9]*: the holdoff served more in \([0-9]*\) of \([0-9]*\) trials.*/\1 \2/p' "$log" |
	awk '{ w += $1; t += $2 } END { print w + 0, t + 0 }')"
echo "NOTE trials won by the holdoff: $wins of $trials"
expect trials-kept-the-holdoff yes "$([ "$wins" -ge 2 ] && echo yes)"
expect holdoffs-found-requests yes "$([ "$found" -ge 100 ] && [ "$found" -le "$held" ] && echo yes)"
expect kicks-below-half-the-requests yes "$([ "$requests" -ge 1000 ] && [ $((kicks * 2)) -lt "$requests" ] && echo yes)"
