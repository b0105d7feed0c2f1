#!/bin/bash
# daemon-started: the daemon's descriptors before any guest; first-boot: the
# guest's locks are on the host file (else the second boot's locks prove
# nothing about the daemon), and the descriptors now; second-boot: after the
# reset and the new INIT, the daemon holds about what it held at the start
# (plus the second boot's few files), nothing of the first boot's session:
# neither its open files nor its 200 inodes' O_PATH fds.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/../../host-check-lib.sh"
share=$2

# /proc/locks names a file MAJOR:MINOR:INODE, the numbers in hex.
lock_of() {
	local f=$share/$1
	printf '%02x:%02x:%d' "$(stat -c %Hd "$f")" "$(stat -c %Ld "$f")" "$(stat -c %i "$f")"
}

case "$1" in
daemon-started)
	daemon_fds > "$TB_TEST_TMP/start-fds"
	;;
first-boot)
	if [ "$TB_DAEMON" = ref-rust ]; then
		echo "NOTE no host locks: the Rust daemon leaves locks to the guest kernel"
	else
		expect posix-lock-on-host yes "$(grep -q "POSIX .* $(lock_of kept) \| OFDLCK .* $(lock_of kept) " /proc/locks && echo yes)"
		expect flock-on-host yes "$(grep -q "FLOCK .* $(lock_of flocked) " /proc/locks && echo yes)"
	fi
	daemon_fds > "$TB_TEST_TMP/first-boot-fds"
	;;
second-boot)
	start=$(cat "$TB_TEST_TMP/start-fds")
	before=$(cat "$TB_TEST_TMP/first-boot-fds")
	after=$(daemon_fds)
	echo "NOTE daemon descriptors at the start: $start, before the reboot: $before, after: $after"
	# The connection, the queues' eventfds and the second boot's dozen
	# files and handles come on top of the start; the first boot's 200
	# inodes would be far more (unless --cache=never let the guest forget
	# them before the reboot: then its open files tell, below).
	expect old-session-fds-closed yes "$([ "$start" -gt 0 ] && [ "$after" -le $((start + 40)) ] && echo yes)"
	# The guest has flocked open once now; the first boot's open is over.
	expect old-open-file-closed 1 "$(daemon_open_flags "$share/flocked" | wc -l)"
	;;
esac
