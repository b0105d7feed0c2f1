# shellcheck shell=dash
# Issue 4, ordering 4: the host mounts the tree under a share the guest has
# mounted and already looked at: the guest has listed (and cached) the
# folders the direct mounts then cover, with their not-mounted files.
. /guest-lib.sh
host_step prepare || exit 1
expect after-mount-seen-before 0 "$(ls /mnt/m*/not-mounted > /dev/null; echo $?)"
host_step build || exit 1
# Past the 1 s entry timeout of cache=auto (both daemons' default): until
# then the guest may rightly keep using the folders it cached.
sleep 2
vt-submounts -l after-mount /mnt
