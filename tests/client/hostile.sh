#!/bin/sh
# Run every case of build/client/hostile against a fresh daemon each:
#   tests/client/hostile.sh ref|ours|BINARY
# Prints the cases' PASS/FAIL lines and a summary; exit 0 when all pass.
set -u
cd "$(dirname "$0")/../.." || exit 1
kind=${1:-ours}
make -s build/client/hostile build-asan/virtiofsd || exit 1
# Our daemon runs under ASan/UBSan (with leak checks: --sandbox=none keeps /proc).
export OURS_VIRTIOFSD=${OURS_VIRTIOFSD:-build-asan/virtiofsd}
share=$(mktemp -d /tmp/vfs-hostile.XXXXXX)
pass=0 fail=0
for c in $(build/client/hostile list); do
	if tests/client/with-daemon.sh "$kind" "$share" build/client/hostile @SOCK@ "$c" 2>/dev/null; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
rm -rf "$share"
echo "hostile ($kind): $pass passed, $fail failed"
[ $fail -eq 0 ]
