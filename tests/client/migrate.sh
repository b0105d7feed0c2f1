#!/bin/sh
# Live migration between two daemons on one share (build/client/migrate):
#   tests/client/migrate.sh [ours|BINARY]
# Starts two fresh daemons (A, the source, and B, the destination) serving
# the same temporary directory, runs build/client/migrate against them, and
# fails when the program fails, a daemon does not exit by itself with
# status 0 once its client is gone, or leaves an ASan/UBSan report.
# Extra daemon options may be given in $DAEMON_OPTS; the sandbox mode in
# $MIGRATE_SANDBOX (default none).
set -u
cd "$(dirname "$0")/../.." || exit 1
kind=${1:-ours}
make -s build/client/migrate build-asan/virtiofsd || exit 1
case $kind in
ours) bin=${OURS_VIRTIOFSD:-build-asan/virtiofsd} ;;
*) bin=$kind ;;
esac
tmp=$(mktemp -d /tmp/vfs-migrate.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/share"
pids=
# LeakSanitizer needs the host's /proc, which the namespace and chroot
# sandboxes hide: leaks are checked in the none mode only.
lsan=1
[ "${MIGRATE_SANDBOX:-none}" = none ] || lsan=0
for d in a b; do
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=$lsan} \
	"$bin" --socket-path="$tmp/$d.sock" --shared-dir="$tmp/share" --cache=never \
		--sandbox="${MIGRATE_SANDBOX:-none}" ${DAEMON_OPTS:-} >"$tmp/$d.log" 2>&1 &
	pids="$pids $!"
done
for d in a b; do
	i=0
	while [ ! -S "$tmp/$d.sock" ]; do
		if [ $i -ge 600 ]; then
			echo "FAIL migrate: daemon $d did not create its socket"
			cat "$tmp/$d.log" >&2
			kill $pids 2>/dev/null
			exit 1
		fi
		sleep 0.05
		i=$((i + 1))
	done
done
timeout 120 build/client/migrate "$tmp/a.sock" "$tmp/b.sock" "$tmp/share"
rc=$?
set -- $pids
for d in a b; do
	pid=$1
	shift
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		echo "FAIL migrate: daemon $d still runs after its client left"
		rc=1
	else
		wait "$pid"
		drc=$?
		if [ $drc -ne 0 ]; then
			echo "FAIL migrate: daemon $d exited with status $drc"
			rc=1
		fi
	fi
	if grep -Eq 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$tmp/$d.log"; then
		echo "FAIL migrate: sanitizer report in daemon $d's log"
		rc=1
	fi
	if [ $rc -ne 0 ]; then
		echo "--- daemon $d log, last lines:" >&2
		tail -n 30 "$tmp/$d.log" >&2
	fi
done
exit $rc
