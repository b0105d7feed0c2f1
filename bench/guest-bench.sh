#!/bin/bash
# Guest workloads side by side: each benchmark boots the test guest against
# our daemon and against each reference, alternating (each round starts with
# the next daemon), ROUNDS times, and prints the median per measurement and
# the ratio (ours vs that reference, the median of the same-round ratios:
# higher is better for ours, whatever the unit).  Each boot also reports the
# daemon's CPU time (BENCH NAME-daemon-cpu).
#   bench/guest-bench.sh [--ref=REF[,REF...]] [--stack=floor|current]
#                        [--queues=N] [--rounds=N] [--daemon-args=...]
#                        [fio meta untar]
# REF: ref-c (default), ref-rust, ours-qN (our daemon with N request
# queues: e.g. --queues=2 --ref=ours-q1 measures the gain of 2 queues), or
# ours-plain (our daemon without --daemon-args: e.g.
# --daemon-args=--thread-pool-size=4 --ref=ours-plain measures the pool).
# --queues=N is our daemon's number of request queues (default 1); the
# references run with one (neither serves more).
set -euo pipefail
cd "$(dirname "$0")/.."
refs=ref-c rounds=1 ours_args="" stack=floor queues="" benches=()
for a in "$@"; do
	case $a in
	--ref=*) refs=${a#--ref=} ;;
	--stack=*) stack=${a#--stack=} ;;
	--queues=*) queues=${a#--queues=} ;;
	--rounds=*) rounds=${a#--rounds=} ;;
	--daemon-args=*) ours_args=${a#--daemon-args=} ;;
	-*) echo "guest-bench: unknown option $a" >&2; exit 2 ;;
	*) benches+=("$a") ;;
	esac
done
IFS=, read -r -a ref_list <<< "$refs"
for r in "${ref_list[@]}"; do
	case $r in
	ref-c|ref-rust|ours-plain|ours-q[1-9]|ours-q[1-9][0-9]) ;;
	*) echo "guest-bench: --ref must be ref-c, ref-rust, ours-plain or ours-qN, not $r" >&2; exit 2 ;;
	esac
done
[ ${#benches[@]} -gt 0 ] || benches=(fio meta untar)
make -s all
out=$(mktemp /tmp/guest-bench.XXXXXX)
trap 'rm -f "$out"' EXIT
# run_one LABEL DAEMON QUEUES BENCH [ARGS]: one boot; its lines relabelled
# "[LABEL ..."; ARGS: our daemon's extra options (default --daemon-args).
# Also reports the daemon's CPU time for the whole boot (user + system, all
# threads and the sandbox's child, from /usr/bin/time): what the daemon itself
# costs, apart from the guest's share of the wall-clock time.
run_one() {
	local label=$1 daemon=$2 q=$3 b=$4 args=() cpu
	[ "$daemon" = ours ] && args+=(--daemon-args="${5-$ours_args}")
	[ -n "$q" ] && args+=(--queues="$q")
	cpu=$(mktemp /tmp/guest-bench-cpu.XXXXXX)
	TB_DAEMON_PREFIX="/usr/bin/time -f %U+%S -o $cpu" \
	VIRTIOFSD_BIN=build/virtiofsd VIRTIOFSD_TESTBED_TIMEOUT=900 \
		tests/guest/run.sh --daemon="$daemon" --stack="$stack" "${args[@]}" "bench/guest/$b" |
		grep -E '\] (BENCH|FAIL)' | sed "s/^\[$daemon /[$label /" | tee -a "$out" >&2 || true
	if grep -q '^[0-9.]*+[0-9.]*$' "$cpu"; then
		printf '[%s %s] BENCH %s-daemon-cpu %s s\n' "$label" "$b" "$b" \
			"$(awk -F+ '/^[0-9.]+\+[0-9.]+$/ { t = $1 + $2 } END { printf "%.2f", t }' "$cpu")" |
			tee -a "$out" >&2
	fi
	rm -f "$cpu"
}
# Each round starts with the next daemon in turn, so none is always first
# after a benchmark of another kind (a cold host cache).
order=(ours "${ref_list[@]}")
for b in "${benches[@]}"; do
	for r in $(seq "$rounds"); do
		for i in $(seq 0 $((${#order[@]} - 1))); do
			d=${order[$(((i + r - 1) % ${#order[@]}))]}
			case $d in
			ours) run_one ours ours "$queues" "$b" ;;
			ours-q*) run_one "$d" ours "${d#ours-q}" "$b" ;;
			ours-plain) run_one "$d" ours "$queues" "$b" "" ;;
			*) run_one "$d" "$d" "" "$b" ;;
			esac
		done
	done
done
echo "stack $stack; ours with ${queues:-1} request queue(s)"
# [label test] BENCH name value unit -> median per (label, name), ratio per ref.
awk -v cand=ours -v bases="$refs" -f bench/ratio-table.awk "$out" | sort
