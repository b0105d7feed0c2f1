# shellcheck shell=bash
# Sourced by run.sh and demo.sh: start a daemon, boot a guest, clean up.
# The caller sets `set -euo pipefail` and calls tb_init first.

TB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_REPO=$(cd "$TB_DIR/../.." && pwd)
. "$TB_DIR/deps.sh"
. "$TB_DIR/initramfs.sh"
. "$TB_DIR/hang-lib.sh"

TB_TIMEOUT=${VIRTIOFSD_TESTBED_TIMEOUT:-240}
TB_REF_C_BIN=${VIRTIOFSD_REF_C_BIN:-/usr/lib/qemu/virtiofsd}
# Request queues of the vhost-user-fs device ("" = QEMU's default, 1).
TB_QUEUES=
# The guest's vCPUs.
TB_VCPUS=2
# Every guest kernel's command line (a test's kernel-args follow).
# no_timer_check: on a loaded host the TCG guest's early IO-APIC timer check
# can fail and panic the kernel at 0.04 s (seen in CI).
TB_KERNEL_CMDLINE="console=ttyS0 quiet panic=-1 no_timer_check"

# What the cleanup trap must undo: processes to kill, folders to unmount and
# remove (emptied by the caller when it cleans up itself).
TB_PIDS=()
TB_TMPDIRS=()
# Commands (strings for eval) run once the processes are gone, before the
# folders are removed: e.g. a test's own host cleanup.
TB_CLEANUP_CMDS=()
# A command tb_boot runs for each guest request "TESTBED-HOST-STEP NAME"
# (empty: the guest has no answer channel).  See tb_boot.
TB_HOST_STEP=

tb_cleanup() {
	local pid dir cmd
	for pid in "${TB_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${TB_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	TB_PIDS=()
	for cmd in "${TB_CLEANUP_CMDS[@]}"; do
		eval "$cmd" || true
	done
	TB_CLEANUP_CMDS=()
	for dir in "${TB_TMPDIRS[@]}"; do
		tb_umount_under "$dir"
		rm -rf "$dir"
	done
	TB_TMPDIRS=()
}

tb_init() {
	trap tb_cleanup EXIT
	trap 'exit 130' INT TERM
}

# tb_tmpdir VAR: a fresh folder that the trap removes.
tb_tmpdir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/virtiofsd-testbed.XXXXXX")
	TB_TMPDIRS+=("$d")
	printf -v "$1" '%s' "$d"
}

# Unmounts everything mounted at or below $1, deepest first.
tb_umount_under() {
	local dir mnt
	dir=$(realpath "$1" 2>/dev/null) || return 0
	awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r mnt; do
			umount "$mnt" 2>/dev/null || umount -l "$mnt" || true
		done
}

# tb_forget_pid PID: the process has been waited for.
tb_forget_pid() {
	local keep=() p
	for p in "${TB_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	TB_PIDS=("${keep[@]+"${keep[@]}"}")
}

# tb_ref_rust_prepare: the Rust virtiofsd (Debian trixie's package, 1.13)
# with the trixie libraries it needs (glibc 2.39 or later), unpacked into the
# cache; sets TB_REF_RUST_TREE, the tree tb_start_daemon ref-rust takes as BIN.
tb_ref_rust_prepare() {
	debs_tree TB_REF_RUST_TREE "$TESTBED_CACHE/ref-rust" virtiofsd trixie \
		virtiofsd libc6 libgcc-s1 libcap-ng0 libseccomp2 || return 1
	[ -x "$TB_REF_RUST_TREE/usr/libexec/virtiofsd" ] ||
		{ echo "no usr/libexec/virtiofsd in $TB_REF_RUST_TREE" >&2; return 1; }
}

# tb_start_daemon ours|ref-c|ref-rust BIN SOCK SHARE LOG [EXTRA...]
# Starts the daemon in the background (TB_DAEMON_PID) and waits for its socket.
# BIN is the binary, or for ref-rust the tree of tb_ref_rust_prepare: the
# daemon runs through that tree's loader and libraries, not the system's.
# tb_daemon_started SOCK LOG: records the daemon just started in the
# background and waits (10 s at most) for its socket.
tb_daemon_started() {
	TB_DAEMON_PID=$!
	TB_PIDS+=("$TB_DAEMON_PID")
	for _ in $(seq 100); do
		[ -S "$1" ] && return 0
		kill -0 "$TB_DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "daemon did not create $1 (log: $(tail -n 3 "$2" | tr '\n' ' '))" >&2
	return 1
}

tb_start_daemon() {
	local kind=$1 bin=$2 sock=$3 share=$4 log=$5
	shift 5
	local cmd
	case "$kind" in
	# LeakSanitizer reads /proc, which the namespace sandbox takes away:
	# leaks are checked by the unit and client tests, not here.
	ours) cmd=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}" "$bin" "--socket-path=$sock" "--shared-dir=$share" "$@") ;;
	ref-c) cmd=("$bin" "--socket-path=$sock" -o "source=$share" "$@") ;;
	ref-rust)
		local lib=$bin/usr/lib/x86_64-linux-gnu
		cmd=("$lib/ld-linux-x86-64.so.2" --library-path "$lib" "$bin/usr/libexec/virtiofsd"
			"--socket-path=$sock" "--shared-dir=$share" "$@") ;;
	*) echo "unknown daemon '$kind' (ours|ref-c|ref-rust)" >&2; return 1 ;;
	esac
	# A profiler in front of any daemon, e.g. "strace -f -c -o FILE".
	if [ -n "${TB_DAEMON_PREFIX:-}" ]; then
		local pre
		read -r -a pre <<< "$TB_DAEMON_PREFIX"
		cmd=("${pre[@]}" "${cmd[@]}")
	fi
	echo "+ ${cmd[*]}" > "$log"
	"${cmd[@]}" >> "$log" 2>&1 < /dev/null &
	tb_daemon_started "$sock" "$log"
}

# tb_stop_daemon: waits for the daemon to exit on its own (it serves one
# connection), else stops it.  Sets TB_DAEMON_STATUS (exit status, or
# "killed" when it had to be stopped).
# tb_start_daemon_cmdline BIN SOCK SHARE LOG WORD...: starts BIN with exactly
# WORDs (a user's command line, e.g. Kata's or libvirt's), @SHARE@ and @SOCK@
# replaced; "@LISTENFD@" stands for fd 3, a socket listening on SOCK that is
# made here and inherited, as Kata and libvirt hand it over.
tb_start_daemon_cmdline() {
	local bin=$1 sock=$2 share=$3 log=$4 w words=() listen=0
	shift 4
	for w in "$@"; do
		w=${w//@SHARE@/$share}
		w=${w//@SOCK@/$sock}
		case "$w" in *@LISTENFD@*) listen=1; w=${w//@LISTENFD@/3} ;; esac
		words+=("$w")
	done
	echo "+ $bin ${words[*]}" > "$log"
	if [ $listen -eq 1 ]; then
		python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
os.execv(sys.argv[2], sys.argv[2:])' "$sock" "$bin" "${words[@]}" >> "$log" 2>&1 < /dev/null &
	else
		"$bin" "${words[@]}" >> "$log" 2>&1 < /dev/null &
	fi
	tb_daemon_started "$sock" "$log"
}

tb_stop_daemon() {
	local pid=$TB_DAEMON_PID
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		sleep 0.5
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		TB_DAEMON_STATUS=killed
	else
		TB_DAEMON_STATUS=0
		wait "$pid" || TB_DAEMON_STATUS=$?
	fi
	tb_forget_pid "$pid"
}

# Prints the first sanitizer report line in a daemon log, if any.
tb_sanitizer_report() {
	grep -m 1 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1" || true
}

# tb_machine_args SOCK INITRD: TB_MACHINE_ARGS, the test guest's machine
# for the stack's QEMU (tb_boot's, and each instance of migrate.sh): TCG,
# TB_VCPUS vCPUs, 1 GiB of shared memfd memory, the vhost-user-fs device on
# SOCK with TB_QUEUES request queues, the kernel with INITRD and TB_KERNEL_ARGS;
# a reboot ends QEMU unless TB_REBOOTS is set (then it resets the machine).
# TB_MEM_SLOTS "SLOTS MAXMEM" (a test's memory-slots) gives the machine
# SLOTS hot-pluggable memory slots up to MAXMEM in all: -m 1G,slots=,maxmem=.
# TB_QEMU_ARGS (an array; a test's qemu-args) follows the machine's words.
tb_machine_args() {
	local fs_dev=vhost-user-fs-pci,queue-size=1024,chardev=char0,tag=myfs
	local mem=1G slots maxmem
	if [ -n "${TB_MEM_SLOTS:-}" ]; then
		read -r slots maxmem <<< "$TB_MEM_SLOTS"
		mem+=",slots=$slots,maxmem=$maxmem"
	fi
	[ -z "$TB_QUEUES" ] || fs_dev+=",num-request-queues=$TB_QUEUES"
	# A second daemon's device (run.sh --second): tag "second", same queues.
	local second=()
	if [ -n "${TB_SECOND_SOCK:-}" ]; then
		second=(-chardev socket,id=char1,path="$TB_SECOND_SOCK"
			-device "${fs_dev/chardev=char0,tag=myfs/chardev=char1,tag=second}")
	fi
	# maxcpus >= 2 even for one vCPU: with maxcpus=1 TCG translates the
	# guest's barriers and locked instructions for a lone CPU (no
	# CF_PARALLEL), but the daemon is another CPU reading the rings, and
	# virtio's store-fence-load handshakes then lose interrupts (seen: fio
	# hung with C's daemon and with ours, resumed by one write to the call
	# eventfd).
	TB_MACHINE_ARGS=(-accel tcg -m "$mem" -smp "$TB_VCPUS,maxcpus=$((TB_VCPUS > 1 ? TB_VCPUS : 2))"
		-nodefaults -no-user-config
		-object memory-backend-memfd,id=mem,size=1G,share=on -numa node,memdev=mem
		-chardev socket,id=char0,path="$1" -device "$fs_dev" "${second[@]+"${second[@]}"}"
		-kernel "$KERNEL_BOOT" -initrd "$2"
		-append "$TB_KERNEL_CMDLINE${TB_KERNEL_ARGS:+ $TB_KERNEL_ARGS}"
		-display none -monitor none)
	[ -n "${TB_REBOOTS:-}" ] || TB_MACHINE_ARGS+=(-no-reboot)
	TB_MACHINE_ARGS+=("${TB_QEMU_ARGS[@]+"${TB_QEMU_ARGS[@]}"}")
}

# tb_boot SOCK INITRD SERIAL_LOG QEMU_LOG: boots the guest in the foreground
# (at most TB_TIMEOUT seconds) with the stack's QEMU (stack_load) and
# TB_QUEUES request queues.  Sets TB_QEMU_STATUS (124 = timed out) and
# TB_BOOT_SECONDS.
#
# Host steps (when TB_HOST_STEP is set): the guest gets a second serial port,
# ttyS1, fed from the FIFO SERIAL_LOG.ctl.in.  A guest line
# "TESTBED-HOST-STEP NAME" on the console makes tb_boot run
# `$TB_HOST_STEP NAME`, then write "TESTBED-HOST-DONE NAME rc=STATUS" to
# ttyS1 (guest-lib.sh's host_step does the guest's half).
tb_boot() {
	local sock=$1 initrd=$2 serial=$3 qlog=$4 start end
	local ctl=()
	stack_prepare_qemu
	if [ -n "$TB_HOST_STEP" ]; then
		rm -f "$serial.ctl.in" "$serial.ctl.out"
		mkfifo "$serial.ctl.in" "$serial.ctl.out"
		# QEMU opens both FIFOs read-write: neither open blocks.
		ctl=(-serial pipe:"$serial.ctl")
	fi
	start=$(date +%s.%N)
	tb_machine_args "$sock" "$initrd"
	# Words in front of QEMU, like TB_DAEMON_PREFIX for the daemon.
	local qpre=()
	[ -n "${TB_QEMU_PREFIX:-}" ] && read -r -a qpre <<< "$TB_QEMU_PREFIX"
	# QMP and thread names ("CPU 0/TCG") only for the hang snapshot.
	rm -f "$serial.qmp"
	timeout -k 5 "$TB_TIMEOUT" "${qpre[@]+"${qpre[@]}"}" "${STACK_QEMU[@]}" "${TB_MACHINE_ARGS[@]}" \
		-qmp unix:"$serial.qmp",server=on,wait=off -name testbed,debug-threads=on \
		-serial file:"$serial" "${ctl[@]+"${ctl[@]}"}" > "$qlog" 2>&1 < /dev/null &
	local pid=$!
	TB_PIDS+=("$pid")
	TB_QEMU_STATUS=0
	# Poll until QEMU ends, serving host steps; just before the timeout
	# fires, record where the daemon's and QEMU's threads wait (a hung
	# boot otherwise leaves nothing to tell which side stopped).
	local served=0 snapped=0 snap_at
	snap_at=$(( $(date +%s) + TB_TIMEOUT - 4 ))
	rm -f "$serial.hang"
	# bash reaps the finished child at once, so kill -0 fails then.
	while kill -0 "$pid" 2>/dev/null; do
		[ -z "$TB_HOST_STEP" ] || tb_serve_host_steps "$serial"
		if [ $snapped -eq 0 ] && [ "$(date +%s)" -ge "$snap_at" ]; then
			snapped=1
			tb_hang_snapshot "$pid" "$serial.qmp" > "$serial.hang" 2>&1 || true
		fi
		sleep 0.2
	done
	wait "$pid" || TB_QEMU_STATUS=$?
	tb_forget_pid "$pid"
	end=$(date +%s.%N)
	TB_BOOT_SECONDS=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
}

# tb_serve_host_steps SERIAL_LOG: runs the host steps the guest asked for
# since the last call (the caller's `served` counts them).  Only complete
# lines count: a line still being written is taken at the next call.
tb_serve_host_steps() {
	local serial=$1 lines name rc
	local -a asked
	[ -f "$serial" ] || return 0
	lines=$(wc -l < "$serial")
	mapfile -t asked < <(head -n "$lines" "$serial" | tr -d '\r' |
		sed -n 's/^TESTBED-HOST-STEP \([A-Za-z0-9_.-]*\)$/\1/p')
	while [ "${#asked[@]}" -gt "$served" ]; do
		name=${asked[$served]}
		served=$((served + 1))
		rc=0
		$TB_HOST_STEP "$name" || rc=$?
		# Read-write: never blocks, even if QEMU is gone.
		echo "TESTBED-HOST-DONE $name rc=$rc" 1<> "$serial.ctl.in"
	done
}

# Serial console text without carriage returns.
tb_serial_text() {
	{ tr -d '\r' < "$1"; } 2>/dev/null || true
}

# The runners' result lines (run.sh, migrate.sh), prefixed "[DAEMON TEST] "
# with the runner's $daemon; counted in its passed/failed.
# result TEST LINE: prints and counts one PASS/FAIL line.
result() {
	echo "[$daemon $1] $2"
	case "$2" in
	PASS*) passed=$((passed + 1)) ;;
	*) failed=$((failed + 1)) ;;
	esac
}

# notes TEST FILE: prints FILE's "NOTE ..." lines (seeds, timings).
notes() {
	local line
	while IFS= read -r line; do
		echo "[$daemon $1] $line"
	done < <(grep -E '^NOTE ' "$2" 2>/dev/null || true)
}

# tb_drop_tmpdir TEST DIR: a finished test's folder: its mounts undone, then
# removed, or kept (and said so) when the runner's $keep is 1.
tb_drop_tmpdir() {
	local keep_dirs=() d
	tb_umount_under "$2"
	if [ "$keep" -eq 1 ]; then
		echo "[$daemon $1] kept logs in $2"
	else
		rm -rf "$2"
	fi
	for d in "${TB_TMPDIRS[@]}"; do
		[ "$d" = "$2" ] || keep_dirs+=("$d")
	done
	TB_TMPDIRS=("${keep_dirs[@]+"${keep_dirs[@]}"}")
}
