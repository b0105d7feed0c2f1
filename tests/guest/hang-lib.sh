# shellcheck shell=bash
# Sourced by host-lib.sh: what a guest that never finished leaves behind.
# A CI run keeps no folders, so tb_boot (and migrate.sh) record this just
# before their timeout and print it with the logs' tails.

# tb_hang_snapshot TIMEOUT_PID QMP_SOCK: each thread of the daemon
# (TB_DAEMON_PID) and of QEMU (the child of `timeout`): state, wait channel,
# the system call it sits in, and its kernel stack; then where the guest's
# vCPUs are (three samples: instruction pointer and kernel symbol).
tb_hang_snapshot() {
	local qemu_pid p t cpus syms
	qemu_pid=$(pgrep -P "$1" | head -n 1)
	# The daemon, anything it forked (a sandbox's child), then QEMU.
	for p in "${TB_DAEMON_PID:-}" $(pgrep -P "${TB_DAEMON_PID:-0}") "$qemu_pid"; do
		[ -n "$p" ] && [ -d "/proc/$p" ] || continue
		echo "process $p: $(tr '\0' ' ' < "/proc/$p/cmdline" | cut -c1-120)"
		# (The state follows the name in parentheses, which may hold spaces.)
		for t in /proc/"$p"/task/*; do
			[ -d "$t" ] || continue
			echo "  thread ${t##*/} $(cat "$t/comm") state=$(sed 's/.*) //' "$t/stat" | cut -d' ' -f1)" \
				"wchan=$(cat "$t/wchan" 2>/dev/null) syscall=$(cut -d' ' -f1-3 "$t/syscall" 2>/dev/null)"
			sed 's/^/      /' "$t/stack" 2>/dev/null | head -n 8
		done
	done
	# Registers first, while the hung QEMU still runs; names after.
	cpus=$(python3 "$TB_DIR/guest-cpus.py" "$2" 3 2>&1) || true
	echo "guest vCPUs:"
	if syms=$(tb_kernel_symbols 2>&1); then
		python3 "$TB_DIR/guest-cpus.py" --symbols "$syms" <<< "$cpus" | sed 's/^/  /'
	else
		echo "$cpus" | sed 's/^/  /'
		echo "  (no kernel symbols: $syms)"
	fi
}

# tb_hang_report PREFIX DIR FILE...: each FILE of DIR that is not empty,
# its lines after PREFIX: the last 40 of a log, a snapshot (*.hang) whole
# (the daemon's threads come first).
tb_hang_report() {
	local prefix=$1 dir=$2 f lines
	shift 2
	for f in "$@"; do
		[ -s "$dir/$f" ] || continue
		lines=40
		[ "${f%.hang}" = "$f" ] || lines=400
		echo "$prefix NOTE last of $f:"
		tr -d '\r' < "$dir/$f" | tail -n $lines | sed "s/^/$prefix   /"
	done
}

# tb_kernel_symbols: prints the path of the stack's kernel's symbol table
# (its /proc/kallsyms, $KERNEL_DIR/kallsyms).  Debian's package has only a
# placeholder System.map, so the first call boots a guest without devices
# once to read it; every boot of the PVH image has the same addresses.
tb_kernel_symbols() {
	local out=$KERNEL_DIR/kallsyms stage rc=0
	if [ ! -s "$out" ]; then
		stage=$(mktemp -d)
		mkdir "$stage/root"
		cat > "$stage/root/init" <<-'INIT'
		#!/bin/sh
		/bin/mount -t proc proc /proc
		echo KALLSYMS-BEGIN
		/bin/gzip -c /proc/kallsyms | /bin/base64
		echo KALLSYMS-END
		/bin/poweroff -f
		INIT
		chmod 755 "$stage/root/init"
		(cd "$stage/root" && initramfs_pack_cwd "$stage/init.cpio")
		# The base archive's /init is replaced by the later archive's.
		cat "$INITRAMFS_BASE" "$stage/init.cpio" > "$stage/initrd"
		timeout -k 5 120 "${STACK_QEMU[@]}" -accel tcg -m 512M -smp 1 -nodefaults \
			-no-user-config -kernel "$KERNEL_BOOT" -initrd "$stage/initrd" \
			-append "$TB_KERNEL_CMDLINE" -display none \
			-monitor none -no-reboot -serial file:"$stage/console" \
			> "$stage/qemu.log" 2>&1 < /dev/null || rc=$?
		tr -d '\r' < "$stage/console" | sed -n '/^KALLSYMS-BEGIN$/,/^KALLSYMS-END$/p' |
			sed '1d;$d' | base64 -d 2>/dev/null | gunzip > "$stage/kallsyms" 2>/dev/null || true
		if [ -s "$stage/kallsyms" ]; then
			mv "$stage/kallsyms" "$out"
		else
			echo "reading the guest's /proc/kallsyms failed (qemu status $rc)"
		fi
		rm -rf "$stage"
	fi
	[ -s "$out" ] && echo "$out"
}

# tb_spun_before_init SERIAL_LOG SNAPSHOT: true, for a boot that timed
# out (the caller knows), when the guest kernel was still on its way to
# /init (no "TESTBED-INIT" line on the console) and its vCPUs were running
# in the snapshot (tb_hang_snapshot's): QEMU answered the
# three register samples and no vCPU was halted in any, or (no samples)
# every vCPU thread was running.  Nothing of the test ran then, and the
# daemon has not been asked for anything but the device set-up: a vCPU
# waiting for it (a reply on the vhost-user socket) holds QEMU's big lock,
# so the samples never come, and its thread sleeps.  Seen in 2 of 6 CI
# runs (one boot in several hundred) under TCG, silent, both vCPUs running.
tb_spun_before_init() {
	local snap=$2 samples states
	! tb_serial_text "$1" | grep -q '^TESTBED-INIT$' || return 1
	samples=$(grep -c '^  sample [0-9]* cpu ' "$snap" 2>/dev/null) || true
	if [ "${samples:-0}" -gt 0 ]; then
		grep -q '^  sample 2 cpu ' "$snap" && ! grep -q '^  sample .* halted$' "$snap"
		return
	fi
	states=$(sed -n 's|^  thread [0-9]* CPU [0-9]*/TCG state=\([A-Z]\).*|\1|p' "$snap" 2>/dev/null)
	[ -n "$states" ] && ! grep -qv '^R$' <<< "$states"
}

# tb_boot_again PREFIX SERIAL_LOG SNAPSHOT DAEMON_STATUS DAEMON_LOG SECONDS
# WHAT: the runners' one retry (run.sh, migrate.sh), for a boot that timed
# out (the caller knows) and may run once more: true when the guest spun
# before /init (above) and its daemon ended cleanly (0, or stopped after
# QEMU) with no sanitizer report; it then prints the NOTE, WHAT saying what
# follows, and the vCPUs' samples.
tb_boot_again() {
	local prefix=$1 serial=$2 snap=$3 status=$4 dlog=$5 secs=$6 what=$7
	tb_spun_before_init "$serial" "$snap" && [[ $status =~ ^(0|killed)$ ]] &&
		[ -z "$(tb_sanitizer_report "$dlog" 2>/dev/null)" ] || return 1
	echo "$prefix NOTE the guest did not reach /init in ${secs}s, its vCPUs running all along; $what"
	sed -n '/^guest vCPUs:/,$p' "$snap" | sed "s/^/$prefix   /"
}
