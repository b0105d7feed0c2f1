# shellcheck shell=dash
# Xattrs on each type of file a guest can make: regular file, directory,
# symlink (its own xattrs, not its target's), FIFO and character device.
# trusted.* works on all of them (user.* only on files and directories, by
# the kernel's rule).  A FIFO or a device must never be opened for this,
# so the daemon has to reach each node without opening it.  host-check.sh
# reads the values on the host, where they must sit on the nodes themselves.
. /guest-lib.sh
cd /mnt
echo data > f
mkdir d
ln -s f l
mkfifo p
vt-call mknod c char 0600 1 3 > /dev/null
# Each node's value is its own name in hex: f 66, d 64, l 6c, p 70, c 63.
for n in f d l p c; do
	v=$(printf '%s' "$n" | od -An -tx1 | tr -d ' \n')
	expect_out "$n-set" "OK" vt-xattr set "$n" trusted.t "$v"
	expect_out "$n-get" "OK $v" vt-xattr get "$n" trusted.t
	expect_out "$n-list" "OK trusted.t" vt-xattr list "$n"
	expect_out "$n-get-missing" "ERR ENODATA" vt-xattr get "$n" trusted.none
done
# Setting the symlink's did not touch its target's.
expect_out f-still-own "OK 66" vt-xattr get f trusted.t
expect_out f-user-set "OK" vt-xattr set f user.u 31
expect_out d-user-set "OK" vt-xattr set d user.u 32
expect_out f-user-get "OK 31" vt-xattr get f user.u
# A second xattr on the FIFO and the device, then removed again.
expect_out p-set-2 "OK" vt-xattr set p trusted.x 78
expect_out c-set-2 "OK" vt-xattr set c trusted.x 78
expect_out p-remove "OK" vt-xattr remove p trusted.x
expect_out c-remove "OK" vt-xattr remove c trusted.x
expect_out p-removed "ERR ENODATA" vt-xattr get p trusted.x
expect_out c-removed "ERR ENODATA" vt-xattr get c trusted.x
