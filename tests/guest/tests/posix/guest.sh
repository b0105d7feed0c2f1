# shellcheck shell=dash
# The project's POSIX conformance checks (progs/vt-posix.c): every operation's
# success effects and error cases, as root and as unprivileged users, in a
# fresh directory of the share; /mnt/xdev is host-setup.sh's 1 MiB host tmpfs
# (EXDEV and ENOSPC from the host).  A reference's known deviations are
# listed in DAEMON-expected-fail (the runner reports them as such).
. /guest-lib.sh
cd /mnt
vt-posix "/mnt/posix.$$" /mnt/xdev > /tmp/posix.out 2>&1
rc=$?
cat /tmp/posix.out
echo "NOTE vt-posix: $(grep -c '^PASS ' /tmp/posix.out) passed, $(grep -c '^FAIL ' /tmp/posix.out) failed"
# A crash or a missing result would otherwise go unnoticed.
expect vt-posix-exit "$(grep -q '^FAIL ' /tmp/posix.out && echo 1 || echo 0)" "$rc"
