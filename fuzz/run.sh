#!/bin/sh
# Build and run every libFuzzer target for N seconds each, one after the
# other:   fuzz/run.sh [--seconds=N] [TARGET...]     (default 20 s; the long
# run is --seconds=600).  Seeds come from fuzz/gen_corpus.c; the growing
# corpus is kept in build-fuzz/corpus/TARGET, crash inputs in
# build-fuzz/artifacts/.  Prints "PASS fuzz_NAME (N runs)" or
# "FAIL fuzz_NAME: why" per target; exit 0 when all pass.
set -u
cd "$(dirname "$0")/.." || exit 1
seconds=20
targets=
for a in "$@"; do
	case $a in
	--seconds=*) seconds=${a#--seconds=} ;;
	-*) echo "usage: $0 [--seconds=N] [TARGET...]" >&2; exit 2 ;;
	*) targets="$targets $a" ;;
	esac
done
[ -n "$targets" ] || targets="fuzz_fuse_request fuzz_desc_chain fuzz_state_load fuzz_vhost_msg"

if ! make -s fuzz >/tmp/fuzz-build.$$ 2>&1; then
	cat /tmp/fuzz-build.$$
	rm -f /tmp/fuzz-build.$$
	for t in $targets; do echo "FAIL $t: build failed"; done
	exit 1
fi
rm -f /tmp/fuzz-build.$$
${FUZZ_CC:-clang} -std=gnu11 -O1 -Wall -Werror -o build-fuzz/gen_corpus fuzz/gen_corpus.c &&
	rm -rf build-fuzz/seeds && build-fuzz/gen_corpus build-fuzz/seeds || {
	echo "FAIL fuzz: cannot generate the seed corpus"; exit 1; }
mkdir -p build-fuzz/artifacts

fail=0
for t in $targets; do
	corpus=build-fuzz/corpus/$t
	log=build-fuzz/$t.log
	mkdir -p "$corpus"
	# -timeout: one input taking a second is a hang worth reporting.
	build-fuzz/$t -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$t-" \
		"$corpus" "build-fuzz/seeds/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ $rc -eq 0 ] && [ -n "$runs" ]; then
		echo "PASS $t (${runs} runs in ${seconds} s)"
	else
		crash=$(ls -t build-fuzz/artifacts/"$t"-* 2>/dev/null | head -n 1)
		why=$(grep -m1 -E 'ERROR: |runtime error|fuzz_[a-z_]+: .*:[0-9]+:' "$log")
		echo "FAIL $t: exit $rc: ${why:-see $log} ${crash:+(input $crash)}"
		tail -n 30 "$log" >&2
		fail=1
	fi
done
exit $fail
