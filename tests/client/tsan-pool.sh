#!/bin/sh
# The worker pool under ThreadSanitizer: the TSan build of the daemon with
# --thread-pool-size=4, driven by the request-rate client (GETATTR, LOOKUP,
# READ and WRITE at 1 and 16 in flight, one queue).  Passes when the daemon
# reports no race, exits 0, and the pool did serve requests.  (In a real
# guest TSan also reports guest memory that one request's reply and a later
# request share: the order between them goes through the guest, which TSan
# cannot see; the client here is another process, so none of that arises.)
set -u
cd "$(dirname "$0")/../.." || exit 1
make -s tsan build/bench/rate || { echo "FAIL tsan-pool-build"; exit 1; }
tmp=$(mktemp -d /tmp/vfs-tsan.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/share"
if DAEMON_OPTS="--thread-pool-size=4 --seccomp=none" OURS_VIRTIOFSD=build-tsan/virtiofsd \
	DAEMON_LOG="$tmp/daemon.log" tests/client/with-daemon.sh ours "$tmp/share" \
	build/bench/rate @SOCK@ "$tmp/share" 1 > "$tmp/rate.out" 2>&1 &&
	! grep -q 'ThreadSanitizer' "$tmp/daemon.log"; then
	echo "PASS tsan-pool-no-race"
else
	echo "FAIL tsan-pool-no-race: $(grep -m1 -A6 'ThreadSanitizer' "$tmp/daemon.log" "$tmp/rate.out" | tr '\n' ' ')"
	exit 1
fi
handed=$(sed -n 's/.*queue 1: [0-9]* requests, \([0-9]*\) of them served by the worker pool.*/\1/p' "$tmp/daemon.log")
if [ "${handed:-0}" -gt 0 ]; then
	echo "PASS tsan-pool-used ($handed requests served by workers)"
else
	echo "FAIL tsan-pool-used: the pool served nothing"
	exit 1
fi
