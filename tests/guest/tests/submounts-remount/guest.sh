# shellcheck shell=dash
# Issue 4, ordering 5: two trees in one boot.  The first is mounted on the
# host under the mounted share; the guest checks it, unmounts the submounts
# and the share, the host replaces the tree by a second one (another seed),
# the guest mounts the share again and checks that.  (no-automount: /init's
# shell would keep /mnt busy as its working folder.)
. /guest-lib.sh
check remount-mount1 mount -t virtiofs myfs /mnt
host_step build || exit 1
vt-submounts -l remount-round1 /mnt
# Deepest first (a submount's path sorts after its parent's).
for m in $(awk '$2 == "/mnt" || $2 ~ "^/mnt/" { print $2 }' /proc/mounts | sort -r); do
	umount "$m" || fail remount-umount "umount $m"
done
expect remount-umounted 0 "$(awk '$2 == "/mnt" || $2 ~ "^/mnt/"' /proc/mounts | wc -l)"
host_step rebuild || exit 1
check remount-mount2 mount -t virtiofs myfs /mnt
vt-submounts -l remount-round2 /mnt
