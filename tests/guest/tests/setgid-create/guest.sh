# shellcheck shell=dash
# CVE-2022-0358: an unprivileged guest user creating a file in a setgid
# directory of the root group must not get an executable setgid file of
# that group.  The guest kernel strips the bit itself for a user outside the
# group; a user the guest puts in group 0 (supplementary) passes the bit on
# in the request, and then only the daemon stands between it and a root-group
# setgid program on the host: it runs the creation as the user's uid/gid
# with no supplementary groups and no CAP_FSETID, so the host kernel strips
# it too.  Directories keep inheriting the setgid bit, as they should.
. /guest-lib.sh
cd /mnt
umask 0

mkdir sg
chown 0:0 sg
chmod 2777 sg
expect dir-setup "042777 0" "$(field sg mode) $(field sg gid)"

# Outside the group: the guest strips the bit before asking.
expect_out create-outside "OK" vt-as 1000 1000 vt-call create-excl sg/outside 02775
# In group 0 as the guest sees it: the request carries S_ISGID.
expect_out create-in-group0 "OK" vt-as 1000 1000,0 vt-call create-excl sg/ingroup 02775
expect_out mknod-in-group0 "OK" vt-as 1000 1000,0 vt-call mknod sg/node reg 02775
expect_out mkdir-in-group0 "OK" vt-as 1000 1000,0 vt-call mkdir sg/subdir 0775
drop_caches
expect outside-mode "100775 1000 0" "$(field sg/outside mode) $(field sg/outside uid) $(field sg/outside gid)"
expect ingroup-mode "100775 1000 0" "$(field sg/ingroup mode) $(field sg/ingroup uid) $(field sg/ingroup gid)"
expect mknod-mode "100775 1000 0" "$(field sg/node mode) $(field sg/node uid) $(field sg/node gid)"
expect subdir-inherits "042775 1000 0" "$(field sg/subdir mode) $(field sg/subdir uid) $(field sg/subdir gid)"

# Root in the guest may still make setgid root-group files (CAP_FSETID).
vt-call create-excl sg/byroot 02775 > /dev/null
expect root-keeps "102775" "$(field sg/byroot mode)"
