# shellcheck shell=dash
# Issue 4, ordering 1: the host mounted the tree before the daemon started.
. /guest-lib.sh
vt-submounts -l before-daemon /mnt
