# shellcheck shell=dash
# killpriv: a write, a truncate, an O_TRUNC open and a chown by the owner
# (not privileged) clear setuid, setgid (with group-execute) and the file
# capabilities in security.capability, as on a local filesystem.
. /guest-lib.sh
cd /mnt

# cap_net_bind_service in the permitted set, vfs_cap_data revision 2.
CAPS=0000000200040000000000000000000000000000

# prepare NAME: owned by 1000:1000, mode 6755, with file capabilities.
prepare() {
	echo data > "$1"
	chown 1000:1000 "$1"
	chmod 6755 "$1"
	vt-xattr set "$1" security.capability $CAPS > /dev/null
	expect "$1-prepared" "106755 OK $CAPS" "$(field "$1" mode) $(vt-xattr get "$1" security.capability)"
}

# cleared NAME: the bits and the capabilities are gone (checked uncached).
cleared() {
	drop_caches
	expect "$1-mode" "100755" "$(field "$1" mode)"
	expect_out "$1-caps" "ERR ENODATA" vt-xattr get "$1" security.capability
}

prepare w
expect_out write-runs "" vt-as 1000 1000 sh -c 'echo more >> w'
cleared w

prepare t
expect_out truncate-runs "OK" vt-as 1000 1000 vt-call truncate t 2
cleared t

prepare o
expect_out otrunc-runs "" vt-as 1000 1000 sh -c ': > o'
cleared o

prepare c
expect_out chgrp-runs "" vt-as 1000 1000,1001 chgrp 1001 c
cleared c
expect c-group "1001" "$(field c gid)"

# Without group-execute the setgid bit stays (it means mandatory locking).
echo data > g
chown 1000:1000 g
chmod 2744 g
vt-as 1000 1000 sh -c 'echo more >> g'
drop_caches
expect setgid-no-gexec-kept "102744" "$(field g mode)"
