#!/bin/sh
# The queue thread's two ways of sharing work under ThreadSanitizer, each
# driven by the request-rate client (GETATTR, LOOKUP, READ, WRITE and the
# metadata sequence of create, stat, rename and unlink, at 1
# and 16 in flight, one queue): the worker pool (--thread-pool-size=4) and
# the adaptive polling window (--queue-poll=50).  Each passes when the
# daemon reports no race, exits 0, and the pool did serve requests / a
# poll did find the next request (the window opened).  A reply and a later
# request in the same buffer are ordered through the driver (here the
# client, another process), which TSan cannot see; vq_pop shows it that
# order with an acquire of used->idx, without which this reported races.
set -u
cd "$(dirname "$0")/../.." || exit 1
make -s tsan build/bench/rate || { echo "FAIL tsan-pool-build"; exit 1; }
tmp=$(mktemp -d /tmp/vfs-tsan.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0

# run NAME OPTS USED-SED WHAT: one daemon under the client; USED-SED pulls
# from the daemon's log the count that shows the feature was used.
run() {
	name=$1 opts=$2 used=$3 what=$4
	rm -rf "$tmp/share" && mkdir -p "$tmp/share"
	if DAEMON_OPTS="$opts --seccomp=none" OURS_VIRTIOFSD=build-tsan/virtiofsd \
		DAEMON_LOG="$tmp/$name.log" tests/client/with-daemon.sh ours "$tmp/share" \
		build/bench/rate @SOCK@ "$tmp/share" 1 getattr,lookup,read,write,meta \
		> "$tmp/$name.out" 2>&1 &&
		! grep -q 'ThreadSanitizer' "$tmp/$name.log"; then
		echo "PASS $name-no-race"
	else
		echo "FAIL $name-no-race: $(grep -m1 -A6 'ThreadSanitizer' "$tmp/$name.log" "$tmp/$name.out" | tr '\n' ' ')"
		failed=1
		return
	fi
	n=$(sed -n "$used" "$tmp/$name.log" | head -n 1)
	if [ "${n:-0}" -gt 0 ]; then
		echo "PASS $name-used ($n $what)"
	else
		echo "FAIL $name-used: no $what"
		failed=1
	fi
}
run tsan-pool --thread-pool-size=4 \
	's/.*queue 1: [0-9]* requests, \([0-9]*\) of them served by the worker pool.*/\1/p' \
	"requests served by workers"
run tsan-poll --queue-poll=50 \
	's/.*queue 1: [0-9]* requests, \([0-9]*\) polls found the next one.*/\1/p' \
	"polls that found the next request"
exit $failed
