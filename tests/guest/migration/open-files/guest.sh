# shellcheck shell=dash
# Files, a directory and a file in a submount, held open across a live
# migration: the guest opens them and uses part of each, the host migrates
# it, and the very same descriptors go on: the rest of each read (checked
# byte by byte), the rest of each write and append, the rest of the directory
# listing (every entry exactly once).  The host checks the bytes after
# poweroff.
. /guest-lib.sh
# (The stat makes the guest mount the announced submount.)
check_not submount-own-st_dev test "$(field /mnt/. dev)" = "$(field /mnt/sub/. dev)"
expect submount-announced yes "$(awk '$2 == "/mnt/sub" { print "yes" }' /proc/mounts)"

fds_start
fds_ok open-read open 0 data/r.bin r
fds_ok read-before read 0 300000 1
fds_ok open-write open 1 data/w.bin wct
fds_ok write-before write 1 200000 2
fds_ok open-append open 2 data/a.log a
fds_ok append-before write 2 1000 3
fds_ok open-dir open 3 dir d
fds_ok readdir-before readdir 3 40
fds_ok open-submount open 4 sub/s.bin +
fds_ok submount-read-before read 4 65536 4
fds_ok open-rdwr open 5 data/rw.bin +
fds_ok rdwr-read-before read 5 4096 6
# Known to the guest, not open: a lookup the destination has to resolve.
expect stat-before 8192 "$(field data/rw.bin size)"

host_step migrate

# The guest now runs on the destination, its share served by daemon B.
fds_ok read-after read 0 748576 1
expect read-eof "ERR short n=0 want=1" "$(fds read 0 1 1)"
fds_ok write-after write 1 300000 2
fds_ok append-after write 2 1000 3
fds_ok readdir-after readdir 3 100000
fds_ok listing-complete dircheck 3 entry-with-a-longer-name- 600
fds_ok submount-read-after read 4 65536 4
fds_ok submount-write-after write 4 4096 4
fds_ok rdwr-write-after write 5 4096 6
fds_ok fstat-after fstat 1
for s in 1 2 4 5; do fds_ok "fsync-$s" fsync $s; done
for s in 0 1 2 3 4 5; do fds_ok "close-$s" close $s; done
fds_stop
# New lookups and files through the destination daemon.
drop_caches
check written-file-content sh -c 'vt-pattern 2 0 500000 | cmp - data/w.bin'
check appended-file-content sh -c 'vt-pattern 3 0 6000 | cmp - data/a.log'
check submount-file-content sh -c 'vt-pattern 4 0 135168 | cmp - sub/s.bin'
check create-after sh -c 'echo after > data/new.txt'
expect listing-after 600 "$(ls dir | wc -l)"
check rename-after mv data/new.txt sub/new.txt
expect read-renamed after "$(cat sub/new.txt)"
