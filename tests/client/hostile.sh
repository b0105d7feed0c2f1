#!/bin/sh
# Run every case of build/client/hostile, each against a fresh daemon on a
# freshly prepared share (BASE/share, with BASE/outside beside it):
#   tests/client/hostile.sh [ours|ref|BINARY] [CASE...]
# (ref: QEMU's C virtiofsd, $REF_VIRTIOFSD, for comparison; it cannot keep
# listening, so the "reconnect" cases are skipped for it.)
# The daemon must exit by itself with status 0 when the client disconnects
# and leave no sanitizer report.  Cases marked "reconnect" make the daemon
# hang up; they run it with --keep-listening, reconnect, and the daemon is
# stopped with SIGTERM afterwards.  Prints the cases' PASS/FAIL lines and a
# summary; exit 0 when all pass.  Ours runs with --sandbox=$HOSTILE_SANDBOX
# (default none: the mode that protects least, so the daemon's own checks
# are what is tested; namespace and chroot add the kernel's).  A case that
# prints "EXPECT-LOG TEXT" fails unless the daemon's log holds TEXT.
set -u
cd "$(dirname "$0")/../.." || exit 1
kind=${1:-ours}
[ $# -gt 0 ] && shift
make -s build/client/hostile build-asan/virtiofsd || exit 1
case $kind in
ours) bin=${OURS_VIRTIOFSD:-build-asan/virtiofsd} ;;
ref) bin=${REF_VIRTIOFSD:-/usr/lib/qemu/virtiofsd} ;;
*) bin=$kind ;;
esac
tmp=$(mktemp -d /tmp/vfs-hostile.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# One copy of the binary for the whole run: a rebuild meanwhile cannot
# swap it under a case.
cp "$bin" "$tmp/daemon" || { echo "FAIL hostile: no daemon binary $bin"; exit 1; }
bin=$tmp/daemon
if [ $# -gt 0 ]; then
	list=$(for c in "$@"; do build/client/hostile list | grep -E "^$c( |\$)"; done)
else
	list=$(build/client/hostile list)
fi

# run_case NAME FLAGS: prints the case's lines; returns 0 on PASS.
run_case() {
	name=$1 flags=$2
	base=$tmp/$name sock=$tmp/$name.sock log=$tmp/$name.log
	build/client/hostile prepare "$base" || { echo "FAIL $name: prepare"; return 1; }
	opts=
	[ "$flags" = reconnect ] && opts=--keep-listening
	[ "$flags" = file-handles ] && opts=--migration-mode=file-handles
	if [ "$kind" = ref ]; then
		if [ "$flags" = reconnect ]; then
			echo "SKIP $name: the reference daemon cannot keep listening"
			rm -rf "$base"
			return 0
		fi
		"$bin" --socket-path="$sock" -o source="$base/share" -o cache=none \
			${DAEMON_OPTS:-} >"$log" 2>&1 &
	else
		# LeakSanitizer needs the host's /proc, which the namespace
		# sandbox hides: leaks are checked in the none mode only.
		lsan=1
		[ "${HOSTILE_SANDBOX:-none}" = none ] || lsan=0
		ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=$lsan} \
		"$bin" --socket-path="$sock" --shared-dir="$base/share" --cache=never \
			--sandbox="${HOSTILE_SANDBOX:-none}" $opts ${DAEMON_OPTS:-} >"$log" 2>&1 &
	fi
	dpid=$!
	i=0
	while [ ! -S "$sock" ]; do
		# A loaded machine can take seconds to start an ASan binary.
		if ! kill -0 $dpid 2>/dev/null || [ $i -ge 600 ]; then
			echo "FAIL $name: the daemon did not create its socket"
			kill $dpid 2>/dev/null
			tail -n 5 "$log" >&2
			return 1
		fi
		sleep 0.05
		i=$((i + 1))
	done
	out=$tmp/$name.out
	timeout 60 build/client/hostile "$sock" "$base" "$name" >"$out"
	rc=$?
	cat "$out"
	if [ "$flags" = reconnect ]; then
		kill -TERM $dpid 2>/dev/null
		wait $dpid 2>/dev/null
	else
		i=0
		while kill -0 $dpid 2>/dev/null && [ $i -lt 60 ]; do sleep 0.05; i=$((i + 1)); done
		if kill -0 $dpid 2>/dev/null; then
			kill $dpid 2>/dev/null
			wait $dpid 2>/dev/null
			echo "FAIL $name: the daemon still runs after the client disconnected"
			rc=1
		else
			wait $dpid
			drc=$?
			if [ $drc -ne 0 ]; then
				echo "FAIL $name: the daemon exited with status $drc"
				rc=1
			fi
		fi
	fi
	while IFS= read -r text; do
		[ -n "$text" ] || continue
		if ! grep -qF -- "$text" "$log"; then
			echo "FAIL $name: the daemon did not log \"$text\""
			rc=1
		fi
	done <<EOF
$(sed -n 's/^EXPECT-LOG //p' "$out")
EOF
	if grep -Eq 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$log"; then
		echo "FAIL $name: sanitizer report in the daemon's log"
		rc=1
	fi
	if [ $rc -ne 0 ]; then
		echo "--- daemon log ($name), last lines:" >&2
		tail -n 25 "$log" >&2
	fi
	rm -rf "$base"
	return $rc
}

pass=0 fail=0
echo "$list" | {
	while read -r name flags; do
		[ -n "$name" ] || continue
		if run_case "$name" "${flags:-}"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
	done
	echo "hostile ($kind): $pass passed, $fail failed"
	[ $fail -eq 0 ]
}
