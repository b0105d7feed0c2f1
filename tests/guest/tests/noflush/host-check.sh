#!/bin/bash
# On a local host filesystem (ext4 or tmpfs) FLUSH would do nothing, so the
# daemon lets the guest skip it (FOPEN_NOFLUSH): no FLUSH at all for the 40
# closes.  With POSIX locks kept on the host (posix_lock) FLUSH carries the
# lock owner whose locks go, so every close still sends one.  The counts
# come from the daemon's trace log (--log-level=trace: one line a request).
set -uo pipefail
# shellcheck source=../../host-check-lib.sh
. "$(dirname "$(readlink -f "$0")")/../../host-check-lib.sh"
log=$TB_TEST_TMP/daemon.log
count() { grep -c "FUSE FUSE_$1 unique" "$log"; }
creates=$(count CREATE) releases=$(count RELEASE) flushes=$(count FLUSH)
echo "NOTE requests: $creates CREATE, $releases RELEASE, $flushes FLUSH"
# The trace must have seen the files' opens, or a zero proves nothing.
expect trace-saw-closes yes "$([ "$creates" -ge 20 ] && [ "$releases" -ge 40 ] && echo yes)"
if head -n 1 "$log" | grep -q posix_lock; then
	expect flush-every-close yes "$([ "$flushes" -ge 40 ] && echo yes)"
else
	expect no-flush 0 "$flushes"
fi
