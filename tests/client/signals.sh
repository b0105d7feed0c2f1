#!/bin/bash
# Termination signals reach the daemon in every sandbox mode: SIGTERM and
# SIGHUP end it (status 128+signal) with nothing left running; with
# --daemonize the launcher returns 0 only once the daemon serves.  In the
# namespace sandbox the serving process is its PID namespace's init, which the
# kernel shields from signals it has no handler for.
set -u
cd "$(dirname "$0")/../.." || exit 1
bin=${OURS_VIRTIOFSD:-build/virtiofsd}
tmp=$(mktemp -d /tmp/vfs-signals.XXXXXX)
trap 'pkill -9 -f "$tmp/" 2>/dev/null; rm -rf "$tmp"' EXIT
rc=0
for mode in namespace chroot none; do
	for sig in TERM HUP; do
		name=signal-$mode-$sig
		mkdir -p "$tmp/$name"
		"$bin" --socket-path="$tmp/$name.sock" --shared-dir="$tmp/$name" --sandbox=$mode \
			> "$tmp/$name.log" 2>&1 &
		pid=$!
		for _ in $(seq 50); do [ -S "$tmp/$name.sock" ] && break; sleep 0.1; done
		kill -s "$sig" "$pid"
		for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$pid" 2>/dev/null; then
			echo "FAIL $name: still running 3 s after SIG$sig"; rc=1
			kill -9 "$pid"
			continue
		fi
		wait "$pid" 2>/dev/null
		status=$?
		want=$((128 + $(kill -l "$sig")))
		if [ "$status" -ne "$want" ]; then
			echo "FAIL $name: exit status $status, want $want"; rc=1
		elif pgrep -f "$tmp/$name" > /dev/null; then
			echo "FAIL $name: a daemon process is left"; rc=1
		else
			echo "PASS $name"
		fi
	done
done
# --daemonize: the launching process returns 0 once the daemon serves; the
# daemon, in its own session, still ends on SIGTERM.
for mode in namespace none; do
	name=daemonize-$mode
	mkdir -p "$tmp/$name"
	timeout 10 "$bin" --socket-path="$tmp/$name.sock" --shared-dir="$tmp/$name" --sandbox=$mode \
		--daemonize > "$tmp/$name.log" 2>&1
	status=$?
	pids=$(pgrep -f -- "$tmp/$name.sock")
	if [ $status -ne 0 ]; then
		echo "FAIL $name: the launcher exited $status: $(head -c 200 "$tmp/$name.log")"; rc=1
	elif [ -z "$pids" ] || [ ! -S "$tmp/$name.sock" ]; then
		echo "FAIL $name: no daemon serving after the launcher returned"; rc=1
	else
		# shellcheck disable=SC2086 # one pid per word
		kill -TERM $pids
		for _ in $(seq 30); do pgrep -f -- "$tmp/$name.sock" > /dev/null || break; sleep 0.1; done
		if pgrep -f -- "$tmp/$name.sock" > /dev/null; then
			echo "FAIL $name: still running 3 s after SIGTERM"; rc=1
		else
			echo "PASS $name"
		fi
	fi
done
exit $rc
