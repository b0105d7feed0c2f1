# shellcheck shell=sh
# Where a benchmark's shares live (sourced by bench/same-guest.sh and
# bench/client-rate.sh):
#   share_fs_make KIND DIR: makes DIR/fs the root of a filesystem of KIND:
#     tmpfs, or a new xfs or ext4 (with its journal) on a 4 GiB loop file
#     DIR/fs.img; "host" makes nothing.  Prints the folder to put shares in
#     (DIR/fs, or DIR itself for host).
#   share_fs_drop DIR: unmounts DIR/fs if mounted.
# Why not always the host's /tmp: this host's root is an ext4 without a
# journal, where every create scans the inodes deleted in the last seconds
# (recently_deleted(), journal-less ext4 only): after a benchmark's unlinks
# 250-375 us of kernel time a create, the same for every daemon and more
# than a daemon's whole round trip, so it hides what the daemons differ by.
share_fs_make() {
	case $1 in
	host) echo "$2"; return 0 ;;
	tmpfs|xfs|ext4) ;;
	*) echo "share-fs: host, tmpfs, xfs or ext4, not '$1'" >&2; return 2 ;;
	esac
	mkdir -p "$2/fs" || return 1
	case $1 in
	tmpfs) mount -t tmpfs -o size=4g tmpfs "$2/fs" || return 1 ;;
	xfs) truncate -s 4G "$2/fs.img" && mkfs.xfs -q -f "$2/fs.img" >&2 &&
		mount -o loop "$2/fs.img" "$2/fs" || return 1 ;;
	ext4) truncate -s 4G "$2/fs.img" && mkfs.ext4 -q -F "$2/fs.img" >&2 &&
		mount -o loop "$2/fs.img" "$2/fs" || return 1 ;;
	esac
	echo "$2/fs"
}

share_fs_drop() {
	if mountpoint -q "$1/fs" 2>/dev/null; then umount "$1/fs"; fi
}
