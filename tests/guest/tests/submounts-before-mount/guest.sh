# shellcheck shell=dash
# Issue 4, ordering 3: the host mounts the tree after the guest booted, before
# the guest mounts the share (no-automount: /init leaves the mounting to us).
. /guest-lib.sh
host_step build || exit 1
check before-mount-mount mount -t virtiofs myfs /mnt
vt-submounts -l before-mount /mnt
