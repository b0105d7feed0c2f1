#!/bin/bash
# A start-up that fails after the daemon made its socket (here: file handles
# made mandatory on /proc, which makes none) leaves no socket file and no
# SOCKET.pid behind, in
# every sandbox mode and with --daemonize.  The last failure possible, the
# seccomp filter refused by the kernel (strace's fault injection stands in
# for a container that forbids seccomp(2)), is reported too.
set -u
cd "$(dirname "$0")/../.." || exit 1
bin=${OURS_VIRTIOFSD:-build/virtiofsd}
tmp=$(mktemp -d /tmp/vfs-startup.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
rc=0
# check_failed STATUS NAME MESSAGE: the start-up NAME (its log in
# $tmp/NAME.log) failed, said MESSAGE, and left no socket file.
check_failed() {
	if [ "$1" -eq 0 ] || [ "$1" -eq 124 ]; then
		echo "FAIL $2: exit status $1, want a start-up failure"; rc=1
	elif ! grep -q "$3" "$tmp/$2.log"; then
		echo "FAIL $2: not the expected failure: $(head -c 200 "$tmp/$2.log")"; rc=1
	elif [ -e "$tmp/$2.sock" ]; then
		echo "FAIL $2: the socket file is left behind"; rc=1
	elif [ -e "$tmp/$2.sock.pid" ]; then
		echo "FAIL $2: the claim file (SOCKET.pid) is left behind"; rc=1
	else
		echo "PASS $2"
	fi
}
for mode in namespace chroot none; do
	for launch in foreground daemonize; do
		name=fail-$mode-$launch
		args=(--socket-path="$tmp/$name.sock" --shared-dir=/proc --sandbox=$mode
			--inode-file-handles=mandatory)
		[ $launch = daemonize ] && args+=(--daemonize)
		timeout 10 "$bin" "${args[@]}" > "$tmp/$name.log" 2>&1
		check_failed $? "$name" "file handles do not work"
	done
done
# seccomp(2) refused: the launcher of --daemonize must fail with the message.
if command -v strace > /dev/null; then
	for launch in foreground daemonize; do
		name=seccomp-refused-$launch
		mkdir -p "$tmp/$name"
		args=(--socket-path="$tmp/$name.sock" --shared-dir="$tmp/$name" --sandbox=none)
		[ $launch = daemonize ] && args+=(--daemonize)
		timeout 10 strace -qq -f -o /dev/null -e trace=seccomp -e inject=seccomp:error=EPERM \
			"$bin" "${args[@]}" > "$tmp/$name.log" 2>&1
		check_failed $? "$name" "seccomp"
	done
else
	echo "SKIP seccomp-refused: no strace"
fi
exit $rc
