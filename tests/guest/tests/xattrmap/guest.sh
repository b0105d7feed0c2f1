# shellcheck shell=dash
# --xattrmap with the rules of daemon-args-*: the guest's user.*, trusted.*
# and security.capability live under user.virtiofs. on the host; setting any
# other name is refused (EPERM), reading one finds nothing (ENODATA, as the
# guest kernel probes names itself), and every other host xattr is hidden.
# The renamed security.capability must still go on a write, truncate or
# chown by the owner: with cache=never the guest's direct writes leave that
# to the daemon (the host kernel only knows the real name).  host-check.sh
# looks at the names on the host.
. /guest-lib.sh
cd /mnt

echo data > f
expect_out set-user "OK" vt-xattr set f user.a 6869
expect_out set-trusted "OK" vt-xattr set f trusted.b 7472
expect_out get-user "OK 6869" vt-xattr get f user.a
expect_out get-trusted "OK 7472" vt-xattr get f trusted.b
expect_out list "OK user.a trusted.b" vt-xattr list f
expect_out set-other-refused "ERR EPERM" vt-xattr set f security.other 00
expect_out get-other-nodata "ERR ENODATA" vt-xattr get f system.foo
# Reaching the prefixed name directly only nests it further.
expect_out set-nested "OK" vt-xattr set f user.virtiofs.x 00
expect_out list-nested "OK user.a trusted.b user.virtiofs.x" vt-xattr list f
expect_out remove-nested "OK" vt-xattr remove f user.virtiofs.x
expect_out remove-trusted "OK" vt-xattr remove f trusted.b
expect_out list-after-remove "OK user.a" vt-xattr list f

# The host's own names: hidden, or shown without the prefix.
expect_out host-list "OK user.pre" vt-xattr list h
expect_out host-get-pre "OK 7072" vt-xattr get h user.pre
expect_out host-get-hidden "ERR ENODATA" vt-xattr get h user.hostonly

# killpriv with the renamed security.capability.
CAPS=0000000200040000000000000000000000000000
prepare() {
	echo data > "$1"
	chown 1000:1000 "$1"
	chmod 0755 "$1"
	vt-xattr set "$1" security.capability $CAPS > /dev/null
	expect "$1-caps-set" "OK $CAPS" "$(vt-xattr get "$1" security.capability)"
}
cleared() {
	drop_caches
	expect_out "$1-caps-cleared" "ERR ENODATA" vt-xattr get "$1" security.capability
}
prepare w
vt-as 1000 1000 sh -c 'echo more >> w'
cleared w
prepare t
vt-as 1000 1000 vt-call truncate t 2 > /dev/null
cleared t
prepare c
vt-as 1000 1000,1001 chgrp 1001 c
cleared c
# A read leaves them.
prepare r
cat r > /dev/null
drop_caches
expect_out r-caps-kept "OK $CAPS" vt-xattr get r security.capability
