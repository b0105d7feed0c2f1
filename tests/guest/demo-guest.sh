# shellcheck shell=dash
# The demo's guest side: show the share as the guest sees it.
show() {
	echo "guest# $*"
	"$@" 2>&1
	echo
}
cd /mnt
show ls -l /mnt
show ls -l /mnt/tmpfs
show cat /mnt/hello.txt
show stat /mnt/hello.txt
show stat -c '%n: device %d, inode %i, %F' /mnt /mnt/docs /mnt/tmpfs /mnt/tmpfs/on-tmpfs.txt
show df -h /mnt /mnt/tmpfs
show grep virtiofs /proc/mounts
