#!/bin/bash
# --syslog in every sandbox mode: what the daemon logs once it serves (after
# it entered the sandbox, where /dev/log is out of sight) still reaches the
# syslog socket.  Runs in a mount namespace of its own with a tmpfs on /dev
# holding our listener at /dev/log (needs root; skipped otherwise).
set -u
cd "$(dirname "$0")/../.." || exit 1
bin=$(realpath "${OURS_VIRTIOFSD:-build/virtiofsd}")
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP syslog: needs root (a mount namespace with our own /dev/log)"
	exit 0
fi
tmp=$(mktemp -d /tmp/vfs-syslog.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export bin tmp
unshare -m --propagation private bash -c '
mount -t tmpfs tmpfs /dev || exit 1
mknod -m 666 /dev/null c 1 3
rc=0
for mode in namespace chroot none; do
	name=syslog-$mode
	mkdir -p "$tmp/$name"
	rm -f /dev/log
	# Collects the datagrams sent to /dev/log until it is killed.
	python3 -u -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
print(\"ready\")
while True:
    print(s.recv(8192).decode(errors=\"replace\"))
" > "$tmp/$name.syslog" 2>&1 &
	lpid=$!
	for _ in $(seq 50); do grep -q ready "$tmp/$name.syslog" && break; sleep 0.1; done
	"$bin" --socket-path="$tmp/$name.sock" --shared-dir="$tmp/$name" --sandbox=$mode \
		--syslog > "$tmp/$name.log" 2>&1 &
	pid=$!
	for _ in $(seq 50); do grep -q "serving " "$tmp/$name.syslog" && break; sleep 0.1; done
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
	kill "$lpid"
	wait "$lpid" 2>/dev/null
	if grep -q "virtiofsd\[[0-9]*\]: serving " "$tmp/$name.syslog"; then
		echo "PASS $name"
	else
		echo "FAIL $name: \"serving\" never reached /dev/log; it got:"
		cat "$tmp/$name.syslog" "$tmp/$name.log"
		rc=1
	fi
done
exit $rc
'
