# shellcheck shell=dash
# --security-label: the guest boots with SELinux as its LSM (kernel-args; no
# policy is loaded, so every new file gets the label of the creating task's
# context), and the guest kernel sends that label with each CREATE, MKDIR,
# MKNOD and SYMLINK (FUSE_SECURITY_CTX).  host-check.sh finds it as the
# security.selinux xattr of each new file on the host.
. /guest-lib.sh
cd /mnt
mkdir -p /sys/kernel/security
mount -t securityfs none /sys/kernel/security 2> /dev/null
echo "NOTE guest LSMs: $(cat /sys/kernel/security/lsm 2> /dev/null), task context: $(cat /proc/self/attr/current 2> /dev/null | tr -d '\0')"
check create sh -c 'echo data > f'
check mkdir mkdir d
check mknod mkfifo p
check symlink ln -s f l
check create-in-subdir sh -c 'echo more > d/g'
expect read-back data "$(cat f)"
