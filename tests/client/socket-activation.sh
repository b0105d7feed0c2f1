#!/bin/bash
# Socket activation: the daemon serves a listening socket handed over by
# systemd (LISTEN_FDS=1, LISTEN_PID, fd 3) and by --fd=N, instead of
# creating one.  The smoke client then talks to it through that socket.
# And the socket it creates: with --socket-group, mode 0660 in that group,
# which lets a VMM running as another user of the group connect, and no
# one else but root; its path appears only once it listens.
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

# connect_as UID GID SOCK: a connect(2) with those ids (no supplementary
# groups, no capabilities): "ok" or the errno's name.
connect_as() {
	python3 - "$@" <<'PY'
import errno, os, socket, sys
uid, gid, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.setgroups([]); os.setresgid(gid, gid, gid); os.setresuid(uid, uid, uid)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(path); print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
PY
}

# --socket-group=daemon (Debian's gid 1): a user of that group connects
# (then hangs up: the daemon exits), a user outside it does not.
sg=$tmp/group.sock
mkdir -p "$tmp/share-group"
chmod 0755 "$tmp"
"$bin" --socket-path="$sg" --shared-dir="$tmp/share-group" --sandbox=none --socket-group=daemon \
	> "$tmp/group.log" 2>&1 &
gpid=$!
for i in $(seq 50); do [ -S "$sg" ] && break; sleep 0.1; done
if [ "$(stat -c '%a %G' "$sg" 2> /dev/null)" = "660 daemon" ]; then
	echo "PASS socket-group-mode"
else
	echo "FAIL socket-group-mode: $(stat -c '%a %G' "$sg" 2>&1)"; rc=1
fi
got=$(connect_as 4242 4242 "$sg")
if [ "$got" = EACCES ]; then
	echo "PASS socket-group-outsider-refused"
else
	echo "FAIL socket-group-outsider-refused: $got"; rc=1
fi
got=$(connect_as 4242 "$(getent group daemon | cut -d: -f3)" "$sg")
if [ "$got" = ok ]; then
	echo "PASS socket-group-member-connects"
else
	echo "FAIL socket-group-member-connects: $got"; rc=1
fi
for i in $(seq 50); do kill -0 $gpid 2> /dev/null || break; sleep 0.1; done
kill $gpid 2> /dev/null && { echo "FAIL socket-group-exit: still running after the hang-up"; rc=1; }
wait $gpid 2> /dev/null
if "$bin" --socket-path="$tmp/nogroup.sock" --shared-dir="$tmp/share-group" --sandbox=none \
	--socket-group=no-such-group-here > "$tmp/nogroup.log" 2>&1; then
	echo "FAIL socket-group-unknown: accepted"; rc=1
elif grep -q "socket group no-such-group-here" "$tmp/nogroup.log" && [ ! -e "$tmp/nogroup.sock" ]; then
	echo "PASS socket-group-unknown"
else
	echo "FAIL socket-group-unknown: $(cat "$tmp/nogroup.log")"; rc=1
fi

# The socket's path appears only once it listens: a VMM that connects as
# soon as it sees the path is never refused.  strace stretches listen(2) by
# 0.3 s (before, the path named a socket nobody listened on yet then:
# ECONNREFUSED every time; 2 of 300 starts on a loaded machine without).
ls_sock=$tmp/listening.sock
mkdir -p "$tmp/share-listening"
strace -f -o /dev/null -e trace=listen -e inject=listen:delay_enter=300000 \
	"$bin" --socket-path="$ls_sock" --shared-dir="$tmp/share-listening" --sandbox=none \
	> "$tmp/listening.log" 2>&1 &
spid=$!
got=$(python3 - "$ls_sock" <<'PY'
import errno, os, socket, sys, time
path, end = sys.argv[1], time.monotonic() + 20
while not os.path.lexists(path):
    if time.monotonic() > end:
        print("no socket"); sys.exit()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(path); print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
PY
)
if [ "$got" = ok ]; then
	echo "PASS socket-appears-listening"
else
	echo "FAIL socket-appears-listening: $got"; rc=1
	pkill -f -- "--socket-path=$ls_sock"
fi
wait $spid 2> /dev/null

# A non-socket fd is refused with a clear message and status 1.
if "$bin" --shared-dir="$tmp" --sandbox=none --fd=0 < /dev/null > "$tmp/bad.log" 2>&1; then
	echo "FAIL socket-activation-not-a-socket: accepted"; rc=1
elif grep -q "not a listening socket" "$tmp/bad.log"; then
	echo "PASS socket-activation-not-a-socket"
else
	echo "FAIL socket-activation-not-a-socket: $(cat "$tmp/bad.log")"; rc=1
fi
exit $rc
