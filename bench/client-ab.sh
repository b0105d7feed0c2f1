#!/bin/bash
# Two daemons measured by the host-side client in alternating rounds, each
# ratio the median of the per-round ratios with its interval
# (bench/ratio-table.awk): the client's single runs drift as far as 0.87-1.5
# between two runs of one binary, and the second daemon of a round is not
# the first's equal, so one run of bench/client-rate.sh cannot rank two
# daemons.
#   bench/client-ab.sh [--rounds=N] [--pin=shared|split] [--share-fs=FS]
#                      [--ops=OPS] [--seconds=S] A B
# A and B: as tests/client/with-daemon.sh takes them ("ours", "ref" for
# QEMU's C daemon, bench/ref-rust.sh, or any binary with our long options).
# Defaults: 8 rounds, shared (client and daemon on CPU 0), shares on a
# fresh xfs (bench/share-fs.sh; one filesystem for the run, a new share
# folder per daemon and round), ops meta, 1 s a measurement.  A goes
# first in odd rounds, B in even ones.  Ratios > 1: A is faster.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=8 pin=shared fs=xfs ops=meta secs=1 kinds=()
for a in "$@"; do
	case $a in
	--rounds=*) rounds=${a#--rounds=} ;;
	--pin=*) pin=${a#--pin=} ;;
	--share-fs=*) fs=${a#--share-fs=} ;;
	--ops=*) ops=${a#--ops=} ;;
	--seconds=*) secs=${a#--seconds=} ;;
	-*) echo "client-ab: unknown option $a" >&2; exit 2 ;;
	*) kinds+=("$a") ;;
	esac
done
[ ${#kinds[@]} -eq 2 ] || { echo "client-ab: two daemons, A and B" >&2; exit 2; }
case $pin in
shared) export CLIENT_CPUS=0 DAEMON_CPUS=0 ;;
split) export CLIENT_CPUS=0 DAEMON_CPUS=1-$(($(nproc) - 1)) ;;
*) echo "client-ab: --pin=shared or split" >&2; exit 2 ;;
esac
. bench/share-fs.sh
work=$(mktemp -d /tmp/client-ab.XXXXXX)
trap 'share_fs_drop "$work"; rm -rf "$work"' EXIT
shares=$(share_fs_make "$fs" "$work")
make -s build/bench/rate
label() { case $1 in ours) echo ours ;; ref) echo ref-c ;; *) basename "$1" .sh ;; esac; }
la=$(label "${kinds[0]}") lb=$(label "${kinds[1]}")
[ "$la" != "$lb" ] || lb=$lb-b
for r in $(seq 1 "$rounds"); do
	order=(0 1)
	[ $((r % 2)) -eq 1 ] || order=(1 0)
	for k in "${order[@]}"; do
		kind=${kinds[$k]} lab=$la
		[ "$k" -eq 0 ] || lab=$lb
		dir=$shares/share-$r-$k
		mkdir -p "$dir"
		if ! DAEMON_LOG="$work/daemon.log" tests/client/with-daemon.sh "$kind" "$dir" \
			build/bench/rate @SOCK@ "$dir" "$secs" "$ops" > "$work/out" 2>&1; then
			echo "client-ab: $lab failed in round $r:" >&2
			cat "$work/out" "$work/daemon.log" >&2
			exit 1
		fi
		# "RESULT op=X depth=N ... rate=R" -> "[lab client] BENCH X-dN R /s"
		sed -n 's/^RESULT op=\([a-z]*\) depth=\([0-9]*\) .*rate=\([0-9.]*\).*/['"$lab"' client] BENCH \1-d\2 \3 \/s/p' \
			"$work/out" >> "$work/bench"
		rm -rf "$dir"
	done
	echo "round $r of $rounds" >&2
done
echo "client, $rounds rounds, pin $pin, shares on $fs, ops $ops: $la against $lb"
awk -v cand="$la" -v bases="$lb" -f bench/ratio-table.awk "$work/bench" | sort
