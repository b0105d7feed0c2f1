#!/bin/bash
# grow / shrink: the virtio-mem device vm0 (qemu-args) is asked through QMP
# for GROW / SHRINK MiB (the sizes file), as Kata Containers resizes a
# sandbox's virtio-mem device: qom-set of its requested-size, then qom-get
# of its size until the guest has plugged (unplugged) that much (60 s at
# most).  The daemon meanwhile gets the memory slots QEMU maps for the
# plugged blocks (dynamic-memslots, QEMU >= 8.2) or, on an older QEMU, had
# the whole device mapped from the start.  QEMU's words for each refusal go
# into the FAIL lines.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
qmp() { python3 "$here/../../qmp.py" "$TB_TEST_TMP/serial.log.qmp" "$@"; }
read -r grow shrink < <(grep -v '^#' "$here/sizes")
dev=/machine/peripheral/vm0

# resize STEP MIB: requested-size = MIB MiB, then wait for size to follow.
resize() {
	local want=$(($2 << 20)) err size start
	if ! err=$(qmp qom-set "{\"path\": \"$dev\", \"property\": \"requested-size\", \"value\": $want}" 2>&1 > /dev/null); then
		echo "FAIL host-$1: qom-set requested-size $2 MiB: ${err//$'\n'/ }"
		return
	fi
	start=$SECONDS
	while :; do
		size=$(qmp qom-get "{\"path\": \"$dev\", \"property\": \"size\"}" 2>&1)
		[ "$size" != "$want" ] || break
		[ $((SECONDS - start)) -lt 60 ] || break
		sleep 0.5
	done
	echo "NOTE $1 to $2 MiB: size $size after $((SECONDS - start)) s; memory devices: $(qmp query-memory-devices 2>&1 | tr -d '\n' | cut -c1-300)"
	# Our daemon at --log-level=debug logs each region QEMU adds or removes.
	local log=$TB_TEST_TMP/daemon.log
	if grep -q 'memory region \(added\|removed\)' "$log" 2> /dev/null; then
		echo "NOTE daemon log after $1: $(grep -c 'memory region added' "$log") memory regions added, $(grep -c 'memory region removed' "$log") removed so far"
	fi
	if [ "$size" = "$want" ]; then
		echo "PASS host-$1"
	else
		echo "FAIL host-$1: size $size, want $want ($2 MiB) 60 s after qom-set"
	fi
}

case "$1" in
grow) resize grow "$grow" ;;
shrink) resize shrink "$shrink" ;;
esac
exit 0
