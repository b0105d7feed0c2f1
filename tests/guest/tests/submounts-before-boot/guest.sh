# shellcheck shell=dash
# Issue 4, ordering 2: the host mounted the tree after the daemon started,
# before the guest booted.
. /guest-lib.sh
vt-submounts -l before-boot /mnt
