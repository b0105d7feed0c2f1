#!/bin/sh
# Conflicting requests on several request queues at once (build/client/race:
# three queues sharing node ids, handles and names; with "reinit" a fourth
# sending INIT and DESTROY meanwhile, with "memtable" the VMM sending the
# memory table again and again, with "restart" the VMM stopping and
# restarting one of the queues, with "hotplug" memory regions coming and
# going, the rings' one among them), against the ThreadSanitizer build and
# the ASan build of the daemon, with and without the worker pool.  A run
# passes when every request was answered, the daemon still serves, exits 0
# and its log has no sanitizer report, and ending the session left no
# descriptor open.  SECONDS per run: $RACE_SECONDS (default 2).
set -u
cd "$(dirname "$0")/../.." || exit 1
make -s tsan build-asan/virtiofsd build/client/race || { echo "FAIL race-build"; exit 1; }
tmp=$(mktemp -d /tmp/vfs-race.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
secs=${RACE_SECONDS:-2}
failed=0

# run NAME BUILD SCENARIO DAEMON-OPTS
run() {
	name=$1 build=$2 scenario=$3 opts=$4
	rm -rf "$tmp/share" && mkdir -p "$tmp/share"
	if DAEMON_OPTS="$opts --seccomp=none -o posix_lock -o flock" \
		OURS_VIRTIOFSD=$build/virtiofsd DAEMON_LOG="$tmp/$name.log" \
		timeout 120 tests/client/with-daemon.sh ours "$tmp/share" \
		build/client/race @SOCK@ "$tmp/share" "$scenario" "$secs" > "$tmp/$name.out" 2>&1 &&
		! grep -Eq 'ThreadSanitizer|AddressSanitizer|LeakSanitizer|runtime error' "$tmp/$name.log"; then
		echo "PASS $name ($(sed -n 's/^PASS race-[a-z]* (\(.*\))$/\1/p' "$tmp/$name.out"))"
	else
		echo "FAIL $name: $(grep -m1 '^FAIL' "$tmp/$name.out")"
		grep -E -m1 -A12 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error' \
			"$tmp/$name.log" "$tmp/$name.out"
		failed=1
	fi
}
run race-tsan-mixed build-tsan mixed ""
run race-tsan-reinit build-tsan reinit ""
run race-tsan-pool-mixed build-tsan mixed --thread-pool-size=2
run race-asan-mixed build-asan mixed ""
run race-asan-reinit build-asan reinit --thread-pool-size=2
run race-tsan-pool-memtable build-tsan memtable --thread-pool-size=2
run race-tsan-pool-restart build-tsan restart --thread-pool-size=2
run race-tsan-pool-hotplug build-tsan hotplug --thread-pool-size=2
run race-asan-hotplug build-asan hotplug ""
exit $failed
