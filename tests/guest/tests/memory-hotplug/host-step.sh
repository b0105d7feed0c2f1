#!/bin/bash
# plug: COUNT DIMMs (the test's dimms file: COUNT MIB UNPLUG...) hot-plugged
# into the running guest through QMP, as Kata Containers grows a sandbox:
# for each K a shared memfd backend hpK and a pc-dimm dimmK on it.  Each is
# one more memory region the vhost-user back-end must map: without
# VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS QEMU allows 8 regions in all and
# refuses the device_add of the ones past that ("no free memory slots").
# unplug: device_del of the UNPLUG DIMMs; waits (60 s at most) until QEMU
# has removed them (the guest offlined and ejected them), then drops their
# backends.  QEMU's words for each refusal go into the FAIL lines.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
qmp() { python3 "$here/../../qmp.py" "$TB_TEST_TMP/serial.log.qmp" "$@"; }
read -r count mib unplug < <(grep -v '^#' "$here/dimms")
bytes=$((mib * 1024 * 1024))

# dimm_ids: the ids of the DIMMs QEMU has, one a line.
dimm_ids() {
	qmp query-memory-devices | python3 -c '
import json, sys
for d in json.load(sys.stdin):
    print(d.get("data", {}).get("id", ""))'
}

case "$1" in
plug)
	plugged=0 failed=0
	for k in $(seq "$count"); do
		if ! err=$(qmp object-add "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"hp$k\",
			\"size\": $bytes, \"share\": true}" 2>&1 > /dev/null); then
			echo "FAIL host-plug-dimm$k: object-add hp$k: ${err//$'\n'/ }"
			failed=$((failed + 1))
			continue
		fi
		if err=$(qmp device_add "{\"driver\": \"pc-dimm\", \"id\": \"dimm$k\", \"memdev\": \"hp$k\"}" \
			2>&1 > /dev/null); then
			plugged=$((plugged + 1))
		else
			echo "FAIL host-plug-dimm$k: device_add dimm$k (${mib} MiB; $plugged DIMMs plugged): ${err//$'\n'/ }"
			failed=$((failed + 1))
			qmp object-del "{\"id\": \"hp$k\"}" > /dev/null 2>&1 || true
		fi
	done
	echo "NOTE plugged $plugged of $count DIMMs of $mib MiB (QEMU: $(dimm_ids | grep -c .) memory devices)"
	if [ "$failed" -eq 0 ]; then
		echo "PASS host-plug-$count-dimms"
	fi
	;;
unplug)
	asked=()
	for k in $unplug; do
		if err=$(qmp device_del "{\"id\": \"dimm$k\"}" 2>&1 > /dev/null); then
			asked+=("$k")
		else
			echo "FAIL host-unplug-dimm$k: device_del dimm$k: ${err//$'\n'/ }"
		fi
	done
	left=("${asked[@]}")
	start=$SECONDS
	while [ "${#left[@]}" -gt 0 ] && [ $((SECONDS - start)) -lt 60 ]; do
		sleep 0.5
		ids=$(dimm_ids) || continue
		left=()
		for k in "${asked[@]}"; do
			grep -qx "dimm$k" <<< "$ids" && left+=("$k")
		done
	done
	for k in "${asked[@]}"; do
		if [[ " ${left[*]} " == *" $k "* ]]; then
			echo "FAIL host-unplug-dimm$k: still present $((SECONDS - start)) s after device_del (the guest did not eject it)"
		else
			# The backend goes too: its memfd is unmapped by QEMU and,
			# after the back-end's REM_MEM_REG / SET_MEM_TABLE, by it.
			qmp object-del "{\"id\": \"hp$k\"}" > /dev/null 2>&1 ||
				echo "NOTE object-del hp$k refused: $(qmp object-del "{\"id\": \"hp$k\"}" 2>&1)"
		fi
	done
	echo "NOTE unplug of dimm${unplug// /, dimm} took $((SECONDS - start)) s; QEMU has $(dimm_ids | grep -c .) memory devices"
	if [ "${#asked[@]}" -eq "$(wc -w <<< "$unplug")" ] && [ "${#left[@]}" -eq 0 ]; then
		echo "PASS host-unplug-$(wc -w <<< "$unplug")-dimms"
	fi
	;;
esac
exit 0
