#!/bin/sh
# Run a client program against a freshly started virtio-fs daemon:
#   tests/client/with-daemon.sh KIND SHARED_DIR PROGRAM ARGS...
# KIND: "ref" (QEMU's C virtiofsd, $REF_VIRTIOFSD, default
# /usr/lib/qemu/virtiofsd), "ours" ($OURS_VIRTIOFSD, default build/virtiofsd),
# or a path to a binary that takes our long options.  Every argument equal to
# @SOCK@ is replaced by the socket path.  Extra daemon options may be given
# in $DAEMON_OPTS.  DAEMON_CPUS / CLIENT_CPUS (taskset lists, e.g. 1 and 0)
# pin the daemon and the program.  The daemon's log goes to $DAEMON_LOG
# (default a temp file, printed when the program fails).  Exit status: the
# program's.
set -u
kind=$1 share=$2
shift 2
tmp=$(mktemp -d /tmp/vfs-client.XXXXXX)
sock=$tmp/vfs.sock
log=${DAEMON_LOG:-$tmp/daemon.log}
mkdir -p "$share"
dpin= cpin=
[ -n "${DAEMON_CPUS:-}" ] && dpin="taskset -c $DAEMON_CPUS"
[ -n "${CLIENT_CPUS:-}" ] && cpin="taskset -c $CLIENT_CPUS"

case $kind in
ref)
	bin=${REF_VIRTIOFSD:-/usr/lib/qemu/virtiofsd}
	# The reference serves one connection and exits on disconnect.
	$dpin "$bin" --socket-path="$sock" -o source="$share" -o cache=none \
		${DAEMON_OPTS:-} >"$log" 2>&1 &
	;;
*)
	if [ "$kind" = ours ]; then bin=${OURS_VIRTIOFSD:-build/virtiofsd}; else bin=$kind; fi
	$dpin "$bin" --socket-path="$sock" --shared-dir="$share" --cache=never \
		--sandbox=none ${DAEMON_OPTS:-} >"$log" 2>&1 &
	;;
esac
dpid=$!

# Rebuild "$@" with @SOCK@ replaced ("for" expanded the old list already).
first=1
for a in "$@"; do
	if [ $first = 1 ]; then set --; first=0; fi
	[ "$a" = "@SOCK@" ] && a=$sock
	set -- "$@" "$a"
done

i=0
while [ ! -S "$sock" ]; do
	if ! kill -0 $dpid 2>/dev/null || [ $i -ge 100 ]; then
		echo "with-daemon: $bin did not create $sock" >&2
		cat "$log" >&2
		kill $dpid 2>/dev/null
		rm -rf "$tmp"
		exit 1
	fi
	sleep 0.05
	i=$((i + 1))
done

$cpin "$@"
rc=$?

# The daemon must exit by itself on the disconnect, with status 0 and no
# sanitizer report: a hostile client may not crash it or make it leak.
i=0
while kill -0 $dpid 2>/dev/null && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
if kill -0 $dpid 2>/dev/null; then
	kill $dpid 2>/dev/null
	wait $dpid 2>/dev/null
	echo "FAIL daemon: still running after the client disconnected"
	rc=1
else
	wait $dpid
	drc=$?
	if [ $drc -ne 0 ]; then
		echo "FAIL daemon: exited with status $drc"
		rc=1
	fi
fi
if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:|WARNING: ThreadSanitizer' "$log"; then
	echo "FAIL daemon: sanitizer report"
	rc=1
fi
if [ $rc -ne 0 ]; then
	echo "with-daemon: program failed ($rc); daemon log:" >&2
	tail -n 40 "$log" >&2
fi
rm -rf "$tmp"
exit $rc
