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
