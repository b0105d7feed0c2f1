#!/bin/bash
# Several request queues against one: the parallel guest workloads
# (bench/guest/parallel: fio with 2 jobs, two untars at once) on the current
# stack (Linux >= 6.10 spreads its CPUs over the queues), our daemon with
# num-request-queues=1 and =N alternating, ROUNDS times; prints the median of
# each measurement and the ratio (N queues vs 1: higher is better).
#   bench/multiqueue.sh [--queues=N] [--rounds=R] [--stack=current]
set -euo pipefail
cd "$(dirname "$0")/.."
queues=2 rounds=1 stack=current
for a in "$@"; do
	case $a in
	--queues=*) queues=${a#--queues=} ;;
	--rounds=*) rounds=${a#--rounds=} ;;
	--stack=*) stack=${a#--stack=} ;;
	*) echo "multiqueue.sh: unknown argument $a" >&2; exit 2 ;;
	esac
done
make -s all
out=$(mktemp /tmp/multiqueue.XXXXXX)
trap 'rm -f "$out"' EXIT
for r in $(seq "$rounds"); do
	for q in 1 "$queues"; do
		VIRTIOFSD_BIN=build/virtiofsd VIRTIOFSD_TESTBED_TIMEOUT=900 \
			tests/guest/run.sh --daemon=ours --stack="$stack" --queues="$q" bench/guest/parallel |
			grep -E '\] (BENCH|FAIL)' | sed "s/^\[ours /[q$q /" | tee -a "$out" >&2 || true
	done
done
awk -v cand="q$queues" -v bases=q1 -f bench/ratio-table.awk "$out" | sort
