# shellcheck shell=dash
# O_DIRECT and O_NOATIME from the guest: kept on the host's open file with
# --allow-direct-io / --preserve-noatime (open-flags), dropped without
# (open-flags-default: the same scripts).  The host step reads the flags of
# the daemon's descriptors while the guest holds the files open.
. /guest-lib.sh
fds_start
# Created (FUSE_CREATE) and existing (FUSE_OPEN).
fds_ok open-plain open 0 /mnt/plain +c
fds_ok open-direct open 1 /mnt/direct +cD
fds_ok open-noatime open 2 /mnt/noatime +cN
fds_ok open-plain-old open 3 /mnt/plain-old +
fds_ok open-direct-old open 4 /mnt/direct-old +D
fds_ok open-noatime-old open 5 /mnt/noatime-old +N
fds_ok buf buf 4096 7
fds_ok direct-write bufwrite 1 5
fds_ok direct-read bufread 1
fds_ok direct-data bufcheck 5
host_step flags
fds_stop
