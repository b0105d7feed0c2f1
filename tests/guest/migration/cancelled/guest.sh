# shellcheck shell=dash
# Migrations that do not happen leave the source guest running with its
# files: one cancelled while RAM is being sent, one cancelled at the
# switch-over point (the guest already stopped, its device state about to be
# saved), one failing because the destination daemon dies; after each the
# guest goes on with the same descriptors.  A last migration then succeeds
# (the source daemon can still migrate after three failed attempts) and the
# guest finishes everything on the destination.
. /guest-lib.sh
fds_start
fds_ok open-write open 0 w.bin wct
fds_ok open-read open 1 r.bin r
fds_ok open-dir open 2 dir d
round() {
	fds_ok "write-$1" write 0 65536 41
	fds_ok "read-$1" read 1 65536 42
	fds_ok "readdir-$1" readdir 2 10
	fds_ok "fsync-$1" fsync 0
}
round before
host_step cancel-while-active
round after-cancel-active
host_step cancel-at-switchover
round after-cancel-at-switchover
host_step dest-daemon-killed
round after-dest-daemon-killed
host_step migrate
round after-migration
fds_ok readdir-rest readdir 2 100000
fds_ok listing-complete dircheck 2 e 200
for s in 0 1 2; do fds_ok "close-$s" close $s; done
fds_stop
drop_caches
check written-content sh -c 'vt-pattern 41 0 327680 | cmp - w.bin'
