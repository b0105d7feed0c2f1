# shellcheck shell=bash
# Sourced by the host-check.sh scripts (bash): result lines like the guest's,
# prefixed "host-".

# expect NAME WANT GOT
expect() {
	if [ "$2" = "$3" ]; then
		echo "PASS host-$1"
	else
		echo "FAIL host-$1: got '${3//$'\n'/|}', want '${2//$'\n'/|}'"
	fi
}

# sum FILE: its sha256, hash only.
sum() {
	sha256sum "$1" | cut -d' ' -f1
}

# expect_pattern NAME FILE SEED MIB: FILE holds the first MIB MiB of
# vt-pattern SEED's bytes (progs/vt-pattern.c, built for the host), exactly.
expect_pattern() {
	local gen=$TB_TEST_TMP/vt-pattern-host
	[ -x "$gen" ] || gcc -O2 -o "$gen" "$(dirname "${BASH_SOURCE[0]}")/progs/vt-pattern.c"
	if cmp -s <("$gen" "$3" 0 $(($4 << 20))) "$2"; then
		echo "PASS host-$1"
	else
		echo "FAIL host-$1: $2 is not vt-pattern $3's first $4 MiB"
	fi
}

# daemon_pids: the processes started with --socket-path=THE_TEST'S_SOCKET
# (the daemon and its sandboxed child; not QEMU, whose -chardev names the
# socket too).  For host steps, while the daemon runs.
daemon_pids() {
	local want=--socket-path=$TB_TEST_TMP/vhost-user-fs.sock p
	for p in /proc/[0-9]*; do
		tr '\0' '\n' < "$p/cmdline" 2> /dev/null | grep -qxF -- "$want" && echo "${p#/proc/}"
	done
	return 0
}

# daemon_started_with REGEX: one of daemon_pids has a command-line word
# matching REGEX (grep -xE: the whole word).
daemon_started_with() {
	local p
	for p in $(daemon_pids); do
		tr '\0' '\n' < "/proc/$p/cmdline" | grep -qxE -- "$1" && return 0
	done
	return 1
}

# daemon_fds: the most descriptors one of daemon_pids holds (the serving
# process's count).
daemon_fds() {
	local most=0 p
	local -a fds
	for p in $(daemon_pids); do
		fds=(/proc/"$p"/fd/*)
		[ "${#fds[@]}" -le "$most" ] || most=${#fds[@]}
	done
	echo "$most"
}

# daemon_open_flags FILE: the open flags (fdinfo's, octal with a leading 0)
# of each of the daemon's descriptors on FILE that is not O_PATH (those are
# the inodes' own: these are the guest's open files), one a line.  Found by
# (st_dev, st_ino): the sandbox shows other paths.
daemon_open_flags() {
	local id p fd f
	id=$(stat -c %d:%i "$1")
	for p in $(daemon_pids); do
		for fd in /proc/"$p"/fd/*; do
			[ "$(stat -L -c %d:%i "$fd" 2> /dev/null)" = "$id" ] || continue
			f=$(awk '/^flags:/ { print "0" $2 }' "/proc/$p/fdinfo/${fd##*/}")
			(( (f & 010000000) == 0 )) && echo "$f"
		done
	done
	return 0
}
