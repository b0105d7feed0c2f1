#!/bin/bash
# The guest owns the share, which the namespace and chroot sandboxes make
# the daemon's /: host paths that libraries open on their own must not be
# looked up there once the daemon is in the sandbox.  Here they are FIFOs,
# whose open would block the daemon for good before it serves:
# - etc/localtime (or the zoneinfo file TZ names), which glibc loads when
#   the daemon first formats a time (its first log line);
# - proc/1/status (the serving process is PID 1 of its namespace), where
#   libcap-ng learnt the bounding set when the capabilities were dropped;
# - proc/sys/vm/overcommit_memory, which glibc's malloc reads when it first
#   shrinks a thread arena's heap (here: at exit, freeing what the worker
#   threads allocated for the client's 5000 files).
set -u
cd "$(dirname "$0")/../.." || exit 1
bin=${OURS_VIRTIOFSD:-build/virtiofsd}
tmp=$(mktemp -d /tmp/vfs-hostfiles.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
rc=0
for mode in namespace chroot; do
	for tz in unset :UTC; do
		name=hostfiles-$mode-${tz#:}
		share=$tmp/$name
		mkdir -p "$share/etc" "$share/usr/share/zoneinfo" "$share/proc/1"
		mkfifo "$share/etc/localtime" "$share/usr/share/zoneinfo/UTC" "$share/proc/1/status"
		args=(--socket-path="$tmp/$name.sock" --shared-dir="$share" --sandbox=$mode)
		if [ $tz = unset ]; then
			env -u TZ "$bin" "${args[@]}" > "$tmp/$name.log" 2>&1 &
		else
			env TZ=$tz "$bin" "${args[@]}" > "$tmp/$name.log" 2>&1 &
		fi
		pid=$!
		served=0
		for _ in $(seq 100); do
			grep -q "serving " "$tmp/$name.log" && { served=1; break; }
			sleep 0.1
		done
		# The namespace mode's first process passes SIGTERM on.
		kill -TERM $pid 2>/dev/null
		for _ in $(seq 30); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
		kill -KILL $pid 2>/dev/null
		wait $pid 2>/dev/null
		if [ $served = 1 ]; then
			echo "PASS $name"
		else
			echo "FAIL $name: not serving 10 s after start (stuck opening a file of the share?)"
			tail -n 3 "$tmp/$name.log"
			rc=1
		fi
	done
done

make -s build/client/rate || exit 1
name=hostfiles-malloc
share=$tmp/$name
mkdir -p "$share/proc/sys/vm"
mkfifo "$share/proc/sys/vm/overcommit_memory"
"$bin" --socket-path="$tmp/$name.sock" --shared-dir="$share" --sandbox=namespace \
	--cache=never --thread-pool-size=3 > "$tmp/$name.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$tmp/$name.sock" ] && break; sleep 0.1; done
if ! timeout 120 build/client/rate "$tmp/$name.sock" "$share" 1 meta > "$tmp/$name.out" 2>&1; then
	echo "FAIL $name: the client failed: $(tail -n 2 "$tmp/$name.out")"
	rc=1
fi
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then
	echo "FAIL $name: still running 5 s after the client left (stuck opening a file of the share?)"
	kill -TERM $pid
	for _ in $(seq 30); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	kill -KILL $pid 2>/dev/null
	rc=1
elif wait $pid; then
	echo "PASS $name"
else
	echo "FAIL $name: exit status $?"
	rc=1
fi
wait $pid 2>/dev/null
exit $rc
