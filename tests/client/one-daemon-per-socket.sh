#!/bin/bash
# One daemon per socket path: a second start on a path a running daemon
# serves fails (exit 1, the holder's pid in the message) and leaves the
# first daemon's socket where it is, in every sandbox mode; SOCKET.pid holds
# the serving daemon's pid (with --daemonize too, not the launcher's); once
# the first daemon is gone, the next start takes the path over.  The Rust
# virtiofsd claims the same SOCKET.pid, so the two refuse each other too.
set -u
cd "$(dirname "$0")/../.." || exit 1
bin=${OURS_VIRTIOFSD:-build/virtiofsd}
tmp=$(mktemp -d /tmp/vfs-one-daemon.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2> /dev/null; rm -rf "$tmp"' EXIT
rc=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; rc=1; }

# inode SOCK: the socket file's inode number, "" when there is none.
inode() {
	stat -c %i "$1" 2> /dev/null
}

# wait_socket SOCK PID OLD: PID (still alive) holds SOCK.pid and made a new
# socket (inode other than OLD: a stale one of an earlier daemon may be
# there until the new one replaces it).
wait_socket() {
	for _ in $(seq 100); do
		[ "$(cat "$1.pid" 2> /dev/null)" = "$2" ] && [ -S "$1" ] &&
			[ "$(inode "$1")" != "$3" ] && return 0
		kill -0 "$2" 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}

# second_refused NAME SOCK HOLDER CMD...: CMD (a second daemon on SOCK)
# fails at once, names HOLDER's pid, and SOCK is the same file after.
second_refused() {
	local name=$1 sock=$2 holder=$3 before after st
	shift 3
	before=$(inode "$sock")
	timeout 10 "$@" > "$tmp/$name.log" 2>&1
	st=$?
	after=$(inode "$sock")
	if [ $st -eq 0 ] || [ $st -eq 124 ]; then
		fail "$name" "the second daemon's exit status is $st"
	elif ! grep -q "pid $holder\b.*$sock\|$sock.pid.*Resource temporarily unavailable" "$tmp/$name.log"; then
		fail "$name" "not the expected message: $(head -c 300 "$tmp/$name.log")"
	elif [ "$before" != "$after" ]; then
		fail "$name" "the socket file changed ($before -> $after)"
	else
		pass "$name"
	fi
}

# serves NAME SOCK SHARE: the smoke client reaches SHARE through SOCK (the
# daemon then exits: the client's disconnect ends it).
serves() {
	if build/client/smoke "$2" "$3" > "$tmp/$1.client" 2>&1; then
		pass "$1"
	else
		fail "$1" "$(tail -n 2 "$tmp/$1.client" | tr '\n' ' ')"
	fi
}

for mode in namespace chroot none; do
	sock=$tmp/$mode.sock
	mkdir -p "$tmp/$mode-a" "$tmp/$mode-b"
	"$bin" --socket-path="$sock" --shared-dir="$tmp/$mode-a" --sandbox=$mode \
		> "$tmp/$mode-a.log" 2>&1 &
	a=$!
	pids+=("$a")
	if ! wait_socket "$sock" "$a" ""; then
		fail "first-$mode" "no socket: $(tail -n 2 "$tmp/$mode-a.log")"
		continue
	fi
	pass "pid-file-$mode"
	second_refused "second-refused-$mode" "$sock" "$a" \
		"$bin" --socket-path="$sock" --shared-dir="$tmp/$mode-b" --sandbox=$mode
	second_refused "second-daemonized-refused-$mode" "$sock" "$a" \
		"$bin" --socket-path="$sock" --shared-dir="$tmp/$mode-b" --sandbox=$mode --daemonize
	touch "$tmp/$mode-a/first-share"
	serves "first-still-serves-$mode" "$sock" "$tmp/$mode-a"
	wait "$a"
	# The first one is gone (its files stay): the path is free again.
	old=$(inode "$sock")
	"$bin" --socket-path="$sock" --shared-dir="$tmp/$mode-b" --sandbox=$mode \
		> "$tmp/$mode-b.log" 2>&1 &
	b=$!
	pids+=("$b")
	if wait_socket "$sock" "$b" "$old"; then
		serves "taken-over-$mode" "$sock" "$tmp/$mode-b"
	else
		fail "taken-over-$mode" "$(tail -n 2 "$tmp/$mode-b.log")"
	fi
	wait "$b"
done

# --daemonize: the pid file names the daemon, not the launcher that exited.
sock=$tmp/daemonized.sock
mkdir -p "$tmp/daemonized"
"$bin" --socket-path="$sock" --shared-dir="$tmp/daemonized" --daemonize \
	> "$tmp/daemonized.log" 2>&1
pid=$(cat "$sock.pid" 2> /dev/null)
if [ -n "$pid" ] && tr '\0' '\n' < "/proc/$pid/cmdline" 2> /dev/null | grep -qxF -- "--socket-path=$sock"; then
	pids+=("$pid")
	pass "pid-file-daemonized"
	second_refused "second-refused-daemonized" "$sock" "$pid" \
		"$bin" --socket-path="$sock" --shared-dir="$tmp/daemonized"
	serves "daemonized-still-serves" "$sock" "$tmp/daemonized"
else
	fail "pid-file-daemonized" "holds '$pid', not a daemon on $sock ($(head -c 200 "$tmp/daemonized.log"))"
fi

# The Rust virtiofsd (Debian trixie's, as the guest test bed runs it).
. tests/guest/host-lib.sh
if tb_ref_rust_prepare > "$tmp/rust-prepare.log" 2>&1; then
	lib=$TB_REF_RUST_TREE/usr/lib/x86_64-linux-gnu
	# shellcheck disable=SC2034 # used through refused_beside's namerefs
	rust=("$lib/ld-linux-x86-64.so.2" --library-path "$lib" "$TB_REF_RUST_TREE/usr/libexec/virtiofsd")
	# shellcheck disable=SC2034 # likewise
	ours=("$bin")
	sock=$tmp/rust.sock
	mkdir -p "$tmp/rust"
	# refused_beside NAME FIRST SECOND: the daemon FIRST (an array's name:
	# its command line without socket and share) serves a new socket at
	# $sock; SECOND, started on the same path, is refused.
	refused_beside() {
		local name=$1 old pid
		# shellcheck disable=SC2178 # namerefs to arrays
		local -n first=$2 second=$3
		old=$(inode "$sock")
		"${first[@]}" --socket-path="$sock" --shared-dir="$tmp/rust" > "$tmp/$name-first.log" 2>&1 &
		pid=$!
		pids+=("$pid")
		if wait_socket "$sock" "$pid" "$old"; then
			second_refused "$name" "$sock" "$pid" \
				"${second[@]}" --socket-path="$sock" --shared-dir="$tmp/rust"
		else
			fail "$name" "the first daemon made no socket: $(tail -n 2 "$tmp/$name-first.log")"
		fi
		kill "$pid"; wait "$pid" 2> /dev/null
	}
	refused_beside ours-refused-beside-rust rust ours
	refused_beside rust-refused-beside-ours ours rust
else
	fail "rust-daemon" "cannot prepare the Rust virtiofsd: $(tail -n 2 "$tmp/rust-prepare.log")"
fi
exit $rc
