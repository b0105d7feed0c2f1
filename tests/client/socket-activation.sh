#!/bin/bash
# Socket activation: the daemon serves a listening socket handed over by
# systemd (LISTEN_FDS=1, LISTEN_PID, fd 3) and by --fd=N, instead of
# creating one.  The smoke client then talks to it through that socket.
set -u
cd "$(dirname "$0")/../.." || exit 1
bin=${OURS_VIRTIOFSD:-build-asan/virtiofsd}
tmp=$(mktemp -d /tmp/vfs-activation.XXXXXX)
trap "rm -rf $tmp" EXIT
rc=0

# activate MODE: bind+listen in python, then exec the daemon with the fd.
activate() {
	local mode=$1 share=$tmp/share-$1 sock=$tmp/$1.sock
	mkdir -p "$share"
	python3 - "$mode" "$sock" "$bin" "$share" > "$tmp/$mode.log" 2>&1 <<'PY' &
import os, socket, sys
mode, path, binary, share = sys.argv[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
args = [binary, "--shared-dir=" + share, "--sandbox=none"]
env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1")
if mode == "systemd":
    env["LISTEN_FDS"] = "1"
    env["LISTEN_PID"] = str(os.getpid())   # exec keeps the pid
else:
    args.append("--fd=3")
os.execve(binary, args, env)
PY
	local pid=$! i
	for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	if build/client/smoke "$sock" "$share" > "$tmp/$mode.client" 2>&1; then
		echo "PASS socket-activation-$mode"
	else
		echo "FAIL socket-activation-$mode: $(tail -n 2 "$tmp/$mode.client" | tr '\n' ' ')"
		rc=1
	fi
	wait $pid || { echo "FAIL socket-activation-$mode: daemon exit status $?"; rc=1; }
}

activate systemd
activate fd

# A non-socket fd is refused with a clear message and status 1.
if "$bin" --shared-dir="$tmp" --sandbox=none --fd=0 < /dev/null > "$tmp/bad.log" 2>&1; then
	echo "FAIL socket-activation-not-a-socket: accepted"; rc=1
elif grep -q "not a listening socket" "$tmp/bad.log"; then
	echo "PASS socket-activation-not-a-socket"
else
	echo "FAIL socket-activation-not-a-socket: $(cat "$tmp/bad.log")"; rc=1
fi
exit $rc
