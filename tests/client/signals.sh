#!/bin/bash
# Termination signals reach the daemon in every sandbox mode: SIGTERM and
# SIGHUP end it (status 128+signal) with nothing left running; with
# --daemonize the launcher returns 0 only once the daemon serves.  In the
# namespace sandbox the serving process is its PID namespace's init, which the
# kernel shields from signals it has no handler for.  Stopped and continued
# (SIGSTOP/SIGCONT) while a client keeps requests in flight, it serves on.
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
# Stopped and continued while serving (SIGSTOP/SIGCONT, a debugger
# attaching): the daemon, under its default --seccomp=kill, serves on.  Its
# threads' interrupted waits come back as EINTR or through restart_syscall.
make -s build/bench/rate || exit 1
for mode in namespace none; do
	for extra in "" "--thread-pool-size=2 --queue-poll=50"; do
		name=stop-continue-$mode${extra:+-pool-poll}
		mkdir -p "$tmp/$name"
		# shellcheck disable=SC2086 # the extra options are words
		"$bin" --socket-path="$tmp/$name.sock" --shared-dir="$tmp/$name" --sandbox=$mode $extra \
			> "$tmp/$name.log" 2>&1 &
		pid=$!
		for _ in $(seq 50); do [ -S "$tmp/$name.sock" ] && break; sleep 0.1; done
		RATE_DEPTHS=1,16 build/bench/rate "$tmp/$name.sock" "$tmp/$name" 1 getattr,read \
			> "$tmp/$name.rate" 2>&1 &
		client=$!
		for _ in $(seq 8); do
			sleep 0.3
			pids=$(pgrep -f -- "$tmp/$name.sock" | grep -vx "$client")
			# shellcheck disable=SC2086 # one pid per word
			kill -STOP $pids 2>/dev/null
			sleep 0.1
			# shellcheck disable=SC2086
			kill -CONT $pids 2>/dev/null
		done
		wait "$client"
		cstatus=$?
		# It ends once its one frontend has gone (status 0).
		for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -TERM "$pid" 2>/dev/null
		wait "$pid"
		dstatus=$?
		if [ $cstatus -ne 0 ] || [ "$(grep -c '^RESULT' "$tmp/$name.rate")" -ne 4 ]; then
			echo "FAIL $name: the client exited $cstatus: $(tail -n 2 "$tmp/$name.rate" | tr '\n' ' ')"; rc=1
		elif [ $dstatus -ne 0 ]; then
			echo "FAIL $name: the daemon exited $dstatus: $(tail -n 2 "$tmp/$name.log" | tr '\n' ' ')"; rc=1
		elif grep -q ' error virtiofsd' "$tmp/$name.log"; then
			echo "FAIL $name: $(grep -m1 ' error virtiofsd' "$tmp/$name.log")"; rc=1
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
