# shellcheck shell=dash
# POSIX record locks with the daemon keeping them on the host (posix_lock):
# vt-locks checks what POSIX promises between processes of the guest, and
# while its first lock is held the host step finds it in the host's
# /proc/locks (else the guest kernel kept it and the checks prove nothing
# about the daemon).
. /guest-lib.sh
# The hook talks to the runner on the console (fd 8), not into locks.out.
exec 8>&1
vt-locks /mnt/locked "sh -c '. /guest-lib.sh; host_step locked' >&8" > /tmp/locks.out 2>&1
rc=$?
cat /tmp/locks.out
expect vt-locks-exit "$(grep -q '^FAIL ' /tmp/locks.out && echo 1 || echo 0)" "$rc"
