# shellcheck shell=dash
# A guest that reboots without unmounting (reboot -f: no DESTROY, no
# RELEASE, no FORGET): the machine is reset under the daemon, which sees
# its queues stopped and started again, then a new FUSE INIT.  The first
# boot leaves open files, a POSIX lock, an flock and 200 looked-up inodes
# behind, and reboots with writers and a metadata loop running (requests in
# flight at the reset); the second must find the data it synced, take the
# same locks (the old session's are gone), move data both ways, and the
# host step must see the daemon's descriptors for the old session's files
# closed.
. /guest-lib.sh
if [ ! -e /mnt/.first-boot-done ]; then
	echo "NOTE first boot"
	fds_start
	fds_ok open-kept open 0 /mnt/kept +c
	fds_ok write-kept write 0 65536 7
	fds_ok fsync-kept fsync 0
	fds_ok posix-lock lock 0 w
	fds_ok open-flocked open 1 /mnt/flocked +c
	fds_ok flock flock 1 ex
	mkdir /mnt/dir
	i=0
	while [ $i -lt 200 ]; do
		: > /mnt/dir/f$i
		i=$((i + 1))
	done
	fds_ok opendir open 2 /mnt/dir d
	fds_ok readdir-some readdir 2 10
	# The host sees the locks and counts the daemon's descriptors.
	host_step first-boot
	: > /mnt/.first-boot-done
	sync
	# Requests in flight when the machine resets: writers and a
	# metadata loop keep the queues busy (the daemon must not complete
	# an old request into the next boot's rings).
	mkdir /mnt/busy
	for w in 1 2; do
		(while :; do dd if=/dev/zero of=/mnt/busy/w$w bs=4k count=64 conv=fsync 2> /dev/null; done) &
	done
	(i=0; while :; do : > /mnt/busy/m$i; rm -f /mnt/busy/m$((i - 8)); i=$((i + 1)); done) &
	sleep 1
	reboot -f
	sleep 60
	fail reboot "reboot -f returned"
	exit 1
fi

echo "NOTE second boot"
rm /mnt/.first-boot-done
fds_start
fds_ok reopen-kept open 0 /mnt/kept +
fds_ok read-kept read 0 65536 7
fds_ok posix-lock-after-reboot lock 0 w
fds_ok reopen-flocked open 1 /mnt/flocked +
fds_ok flock-after-reboot flock 1 ex
# Not a listing: READDIRPLUS would look the 200 names up again.
check last-file-there test -e /mnt/dir/f199
# The queues work after the reset under load: data in, data out.
fds_ok after-open open 3 /mnt/after +c
fds_ok after-write write 3 262144 9
fds_ok after-fsync fsync 3
drop_caches
fds_ok after-reopen open 3 /mnt/after r
fds_ok after-read read 3 262144 9
check busy-removable rm -rf /mnt/busy
host_step second-boot
fds_ok posix-unlock lock 0 u
fds_ok flock-unlock flock 1 un
fds_stop
