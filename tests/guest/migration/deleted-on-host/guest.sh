# shellcheck shell=dash
# The host deletes a file the guest holds open.  A path cannot name it any
# more, so a daemon that migrates by path cannot hand it over:
#  1. with --migration-on-error=abort on the destination the migration fails
#     and the guest runs on, on the source, every descriptor working (the
#     deleted file too: the source daemon still holds it) and the share
#     untouched by the attempt;
#  2. with --migration-on-error=guest-error the migration completes and only
#     the deleted file answers errors on the destination.
. /guest-lib.sh
fds_start
fds_ok open-kept open 0 keep.bin +
fds_ok read-kept-before read 0 4096 31
fds_ok open-doomed open 1 doomed.bin +
fds_ok read-doomed-before read 1 4096 32

host_step delete-then-migrate-abort

# Still on the source.
fds_ok read-kept-after-abort read 0 4096 31
fds_ok write-kept-after-abort write 0 4096 33
fds_ok read-deleted-after-abort read 1 4096 32
fds_ok fsync-after-abort fsync 0
check create-after-abort sh -c 'echo one > made-on-source.txt'

host_step migrate-guest-error

# On the destination.
fds_ok read-kept-after-migration read 0 4096 31
fds_ok write-kept-after-migration write 0 4096 34
fds_ok fsync-kept fsync 0
reply=$(fds read 1 4096 32)
echo "NOTE deleted file after the migration: read answers '$reply'"
case "$reply" in
ERR*) pass deleted-file-errors ;;
*) fail deleted-file-errors "read answered '$reply'" ;;
esac
reply=$(fds fstat 1)
echo "NOTE deleted file after the migration: fstat answers '$reply'"
fds_ok close-kept close 0
fds close 1 > /dev/null
fds_stop
check create-after-migration sh -c 'echo two > made-on-dest.txt'
expect listing-after-migration "keep.bin made-on-dest.txt made-on-source.txt" "$(echo *)"
expect read-after-migration one "$(cat made-on-source.txt)"
