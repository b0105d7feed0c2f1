# shellcheck shell=dash
# While the migration is paused before switch-over (the guest stopped, the
# source daemon's paths collected long before), the host renames a file the
# guest holds open, a directory holding an open file, a directory the guest
# is listing, and a file the guest only knows (looked up, not open).  On the
# destination the guest keeps using every descriptor; its writes land in the
# renamed files; the new names are visible, the old ones gone.
. /guest-lib.sh
fds_start
fds_ok open-file open 0 d1/held.bin +
fds_ok read-before read 0 4096 21
fds_ok open-file-in-dir open 1 d2/inner/f.bin +
fds_ok read-in-dir-before read 1 4096 22
fds_ok open-dir open 2 d3 d
fds_ok readdir-before readdir 2 20
expect known-before 5 "$(field d1/known.txt size)"

host_step migrate

fds_ok read-after read 0 4096 21
fds_ok write-after write 0 4096 23
fds_ok read-in-dir-after read 1 4096 22
fds_ok write-in-dir-after write 1 4096 24
fds_ok readdir-after readdir 2 100000
fds_ok listing-complete dircheck 2 n 300
for s in 0 1; do fds_ok "fsync-$s" fsync $s; done
for s in 0 1 2; do fds_ok "close-$s" close $s; done
fds_stop
drop_caches
check_not old-file-name-gone test -e d1/held.bin
check_not old-dir-name-gone test -e d2
check_not old-known-name-gone test -e d1/known.txt
expect new-known-name 5 "$(field d1/known-renamed.txt size)"
check renamed-file-content sh -c '{ vt-pattern 21 0 8192; vt-pattern 23 8192 4096; vt-pattern 21 12288 4096; } | cmp - d1/held-renamed.bin'
check renamed-dir-file-content sh -c '{ vt-pattern 22 0 8192; vt-pattern 24 8192 4096; vt-pattern 22 12288 4096; } | cmp - d2-renamed/inner/f.bin'
expect renamed-listing 300 "$(ls d3-renamed | wc -l)"
