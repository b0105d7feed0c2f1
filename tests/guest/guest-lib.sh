# shellcheck shell=dash
# Sourced by the guest test scripts (busybox sh).  Each check prints one line
# the runner collects from the serial console:
#   PASS name
#   FAIL name: why

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $(echo "$2" | tr '\n' '|')"; }

# expect NAME WANT GOT
expect() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$3', want '$2'"; fi
}

# expect_out NAME WANT CMD...: compares CMD's output (stdout and stderr).
expect_out() {
	local name=$1 want=$2 got
	shift 2
	got=$("$@" 2>&1)
	expect "$name" "$want" "$got"
}

# check NAME CMD...: PASS when CMD succeeds.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name" "'$*' failed: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
	fi
}

# check_not NAME CMD...: PASS when CMD fails.
check_not() {
	local name=$1
	shift
	if "$@" > /dev/null 2>&1; then fail "$name" "'$*' succeeded"; else pass "$name"; fi
}

# field PATH NAME: one field of vt-stat's line (mode, nlink, uid, size, mtime...).
field() {
	vt-stat "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# sum PATH: the sha256 of a file, hash only.
sum() {
	sha256sum "$1" | cut -d' ' -f1
}

# Drops the guest's page cache so the next reads go to the daemon.
drop_caches() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
}

# host_step NAME: asks the runner to run the test's host-step.sh NAME on the
# host, and waits for its answer on the second serial port (ttyS1).  Returns
# the step's status (a FAIL line when it failed).
host_step() {
	local line
	if [ -z "${TB_CTL_OPEN:-}" ]; then
		# Open before asking: bytes reaching a closed port are lost.
		exec 9< /dev/ttyS1 || { fail "host-step-$1" "no /dev/ttyS1"; return 1; }
		stty raw -echo <&9
		TB_CTL_OPEN=1
	fi
	echo "TESTBED-HOST-STEP $1"
	while read -r line <&9; do
		case "$line" in
		"TESTBED-HOST-DONE $1 rc=0") return 0 ;;
		"TESTBED-HOST-DONE $1 "*) fail "host-step-$1" "$line"; return 1 ;;
		esac
	done
	fail "host-step-$1" "ttyS1 closed"
	return 1
}

# fds_start: starts vt-fds (progs/vt-fds.c) in the background, driven through
# two FIFOs (fd 7: commands, fd 6: answers), so that the descriptors it holds
# outlive host steps (a live migration, say).
fds_start() {
	rm -f /tmp/fds.in /tmp/fds.out
	mkfifo /tmp/fds.in /tmp/fds.out
	vt-fds < /tmp/fds.in > /tmp/fds.out 2>&1 &
	FDS_PID=$!
	exec 7> /tmp/fds.in 6< /tmp/fds.out
}

# fds CMD...: one vt-fds command; prints its answer.
fds() {
	local reply
	echo "$*" >&7
	if read -r reply <&6; then echo "$reply"; else echo "ERR vt-fds gone"; fi
}

# fds_stop: vt-fds quits; waits until it has exited, its files closed (else
# /init's umount of the share may find them still open: EBUSY).
fds_stop() {
	fds quit > /dev/null
	wait "$FDS_PID" 2> /dev/null
	exec 6<&- 7>&-
}

# fds_ok NAME CMD...: PASS when vt-fds answers OK.
fds_ok() {
	local name=$1 reply
	shift
	reply=$(fds "$@")
	case "$reply" in
	OK*) pass "$name" ;;
	*) fail "$name" "'$*': $reply" ;;
	esac
}
