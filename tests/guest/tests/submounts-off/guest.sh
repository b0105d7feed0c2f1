# shellcheck shell=dash
# Issue 4 without announced submounts: the tree of ordering 1 must show what
# the documentation describes, one st_dev shared by the mounts and the root
# (vt-submounts -x passes only when it finds a shared st_dev: the checker can
# fail).
. /guest-lib.sh
vt-submounts -x -l off /mnt
