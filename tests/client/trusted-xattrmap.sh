#!/bin/bash
# --xattrmap storing security.capability under trusted.*: the host needs
# CAP_SYS_ADMIN for it, and the daemon removes that name on every write.
# Without --modcaps=+sys_admin the start-up warns and a WRITE fails (EPERM);
# with it there is no warning and the smoke client's requests all pass.
set -u
cd "$(dirname "$0")/../.." || exit 1
make -s build/client/smoke || exit 1
tmp=$(mktemp -d /tmp/vfs-trusted.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
rc=0
warning="trusted.* needs CAP_SYS_ADMIN"
for mc in none +sys_admin; do
	name=trusted-modcaps-$mc
	share=$tmp/share-$mc
	mkdir -p "$share"
	opts="--xattrmap=:map::trusted.virtiofs.:"
	[ $mc = none ] || opts="$opts --modcaps=$mc"
	DAEMON_OPTS=$opts DAEMON_LOG=$tmp/$mc.log OURS_VIRTIOFSD=${OURS_VIRTIOFSD:-build-asan/virtiofsd} \
		tests/client/with-daemon.sh ours "$share" build/client/smoke @SOCK@ "$share" > "$tmp/$mc.out" 2>&1
	if [ $mc = none ]; then
		if ! grep -qF "$warning" "$tmp/$mc.log"; then
			echo "FAIL $name-warns: no warning: $(head -c 300 "$tmp/$mc.log")"; rc=1
		else
			echo "PASS $name-warns"
		fi
		if grep -q "FAIL WRITE.*Operation not permitted" "$tmp/$mc.out"; then
			echo "PASS $name-write-eperm"
		else
			echo "FAIL $name-write-eperm: $(grep WRITE "$tmp/$mc.out" | head -n 2 | tr '\n' '|')"; rc=1
		fi
	else
		if grep -qF "$warning" "$tmp/$mc.log"; then
			echo "FAIL $name-no-warning: warned anyway"; rc=1
		else
			echo "PASS $name-no-warning"
		fi
		if grep -q "^FAIL" "$tmp/$mc.out" || ! grep -q "^PASS WRITE" "$tmp/$mc.out"; then
			echo "FAIL $name-smoke: $(grep -E '^FAIL' "$tmp/$mc.out" | head -n 3 | tr '\n' '|')"; rc=1
		else
			echo "PASS $name-smoke"
		fi
	fi
done
exit $rc
