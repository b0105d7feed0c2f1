# shellcheck shell=dash
# --posix-acl: ACLs set in the guest (system.posix_acl_access/_default, the
# kernel's binary format: busybox has no setfacl) are the host file's, and
# the guest kernel enforces them for other users; chmod moves the mask; a
# directory's default ACL reaches new files (host-check.sh reads them).
. /guest-lib.sh
cd /mnt

# Entries: tag (u16), perm (u16), id (u32), little-endian, after version 2.
hdr=02000000
uobj() { echo "0100${1}00ffffffff"; }      # user::
usr() { echo "0200${1}00${2}"; }           # user:ID:
gobj() { echo "0400${1}00ffffffff"; }      # group::
mask() { echo "1000${1}00ffffffff"; }      # mask::
oth() { echo "2000${1}00ffffffff"; }       # other::
u1000=e8030000

printf 'secret\n' > f
chmod 0600 f
chown 0:0 f
expect_out no-acl-denied "ERR EACCES" vt-as 1000 1000 vt-call open-read f
# user::rw- user:1000:rw- group::r-- mask::rw- other::---
expect_out set-access-acl "OK" vt-xattr set f system.posix_acl_access \
	"$hdr$(uobj 06)$(usr 06 $u1000)$(gobj 04)$(mask 06)$(oth 00)"
expect mode-shows-mask "660" "$(stat -c %a f)"
expect_out acl-user-reads "OK" vt-as 1000 1000 vt-call open-read f
expect_out acl-user-writes "OK" vt-as 1000 1000 vt-call open-write f
expect_out other-user-denied "ERR EACCES" vt-as 1001 1001 vt-call open-read f
expect_out acl-read-back "OK $hdr$(uobj 06)$(usr 06 $u1000)$(gobj 04)$(mask 06)$(oth 00)" \
	vt-xattr get f system.posix_acl_access
# chmod sets the mask: write goes, read stays.
chmod 0640 f
expect_out mask-after-chmod "OK $hdr$(uobj 06)$(usr 06 $u1000)$(gobj 04)$(mask 04)$(oth 00)" \
	vt-xattr get f system.posix_acl_access
expect_out masked-write-denied "ERR EACCES" vt-as 1000 1000 vt-call open-write f
expect_out masked-read-allowed "OK" vt-as 1000 1000 vt-call open-read f
drop_caches
expect_out acl-after-drop-caches "OK" vt-as 1000 1000 vt-call open-read f

# A default ACL: user::rwx user:1000:rwx group::r-x mask::rwx other::---
mkdir d
chmod 0750 d
expect_out set-default-acl "OK" vt-xattr set d system.posix_acl_default \
	"$hdr$(uobj 07)$(usr 07 $u1000)$(gobj 05)$(mask 07)$(oth 00)"
expect_out set-dir-access-acl "OK" vt-xattr set d system.posix_acl_access \
	"$hdr$(uobj 07)$(usr 07 $u1000)$(gobj 05)$(mask 07)$(oth 00)"
# The umask does not apply under a default ACL (FUSE_DONT_MASK).
(umask 077; vt-call create-excl d/new 0666 > /dev/null)
expect inherited-mode "660" "$(stat -c %a d/new)"
# The new file's mode (0666) caps user::, mask:: and other::; the named
# user and group:: entries come as they are.
expect_out inherited-acl "OK $hdr$(uobj 06)$(usr 07 $u1000)$(gobj 05)$(mask 06)$(oth 00)" \
	vt-xattr get d/new system.posix_acl_access
expect_out inherited-user-writes "OK" vt-as 1000 1000 vt-call open-write d/new
(umask 077; mkdir d/sub)
expect_out inherited-default-on-subdir "OK $hdr$(uobj 07)$(usr 07 $u1000)$(gobj 05)$(mask 07)$(oth 00)" \
	vt-xattr get d/sub system.posix_acl_default
expect_out user-creates-in-dir "OK" vt-as 1000 1000 vt-call create-excl d/by1000 0644
expect_out other-user-cannot-enter "ERR EACCES" vt-as 1001 1001 vt-call open-read d/new

# Removing the ACL: the mode alone again.
expect_out remove-acl "OK" vt-xattr remove f system.posix_acl_access
expect_out removed-acl-denied "ERR EACCES" vt-as 1000 1000 vt-call open-read f
