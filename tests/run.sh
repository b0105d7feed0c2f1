#!/usr/bin/env bash
# The whole test suite, on a fresh Debian bookworm machine as root:
#   installs what it needs, builds, runs the unit tests, the host-side client
#   tests, then the real-guest tests against this daemon (and, for comparison,
#   against the reference daemon).  Ends with one line "N passed, N failed".
#
# Environment: TESTS_GUEST_REF=0 skips the reference-daemon runs;
#              TESTS_GUEST=0 skips the guest tests.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
log=$(mktemp /tmp/virtiofsd-tests.XXXXXX)
trap 'rm -f "$log"' EXIT

stage() { printf '\n=== %s\n' "$*"; }

# Every stage prints "PASS name" / "FAIL name..." lines; we count them all.
run_stage() {
	local name=$1; shift
	stage "$name"
	"$@" 2>&1 | tee -a "$log"
	local rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ] && ! grep -q "^FAIL" "$log"; then
		echo "FAIL $name: exited with status $rc" | tee -a "$log"
	fi
}

stage "dependencies"
source tests/guest/deps.sh
testbed_install_deps || { echo "FAIL deps: could not install packages"; echo "0 passed, 1 failed"; exit 1; }

stage "build"
if make -j2 all asan >/dev/null 2>"$log.build" && make -j2 client >/dev/null 2>>"$log.build"; then
	echo "PASS build" | tee -a "$log"
else
	cat "$log.build"
	echo "FAIL build" | tee -a "$log"
fi
rm -f "$log.build"

run_stage "unit tests" make -s unit

if [ -x build/client/hostile ]; then
	run_stage "hostile-input client tests" tests/client/run-hostile.sh
fi

if [ "${TESTS_GUEST:-1}" != 0 ]; then
	run_stage "guest tests: this daemon" tests/guest/run.sh --daemon=ours
	if [ "${TESTS_GUEST_REF:-1}" != 0 ]; then
		run_stage "guest tests: reference C daemon" tests/guest/run.sh --daemon=ref-c
	fi
fi

passed=$(grep -c '^PASS' "$log")
failed=$(grep -c '^FAIL' "$log")
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
