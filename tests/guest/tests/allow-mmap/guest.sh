# shellcheck shell=dash
# --cache=never makes every open FOPEN_DIRECT_IO, and the guest kernel then
# refuses shared writable mappings (ENODEV) unless the daemon sets
# FUSE_DIRECT_IO_ALLOW_MMAP (--allow-mmap, Linux 6.6 and later): allow-mmap
# maps a file, reads what write(2) put there, writes through the mapping and
# reads it back with read(2) after dropping the caches; allow-mmap-off (the
# same script, with /test/expect-enodev) is refused.
. /guest-lib.sh
fds_start
fds_ok open open 0 /mnt/m +c
fds_ok write write 0 65536 3
if [ -e /test/expect-enodev ]; then
	expect mmap-refused "ERR ENODEV" "$(fds mmap 0 65536 3)"
else
	expect mmap-shared-write "OK old-ok=1" "$(fds mmap 0 65536 3)"
	fds_ok close close 0
	drop_caches
	fds_ok reopen open 0 /mnt/m r
	fds_ok read-back read 0 65536 4
fi
fds_stop
