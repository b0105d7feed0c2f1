# shellcheck shell=bash
# Sourced by run.sh and demo.sh: start a daemon, boot a guest, clean up.
# The caller sets `set -euo pipefail` and calls tb_init first.

TB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_REPO=$(cd "$TB_DIR/../.." && pwd)
. "$TB_DIR/deps.sh"
. "$TB_DIR/initramfs.sh"

TB_TIMEOUT=${VIRTIOFSD_TESTBED_TIMEOUT:-240}
TB_REF_C_BIN=${VIRTIOFSD_REF_C_BIN:-/usr/lib/qemu/virtiofsd}

# What the cleanup trap must undo: processes to kill, folders to unmount and
# remove (emptied by the caller when it cleans up itself).
TB_PIDS=()
TB_TMPDIRS=()

tb_cleanup() {
	local pid dir
	for pid in "${TB_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${TB_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	TB_PIDS=()
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

# tb_start_daemon ours|ref-c BIN SOCK SHARE LOG [EXTRA...]
# Starts the daemon in the background (TB_DAEMON_PID) and waits for its socket.
tb_start_daemon() {
	local kind=$1 bin=$2 sock=$3 share=$4 log=$5
	shift 5
	local cmd
	case "$kind" in
	# LeakSanitizer reads /proc, which the namespace sandbox takes away:
	# leaks are checked by the unit and client tests, not here.
	ours) cmd=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}" "$bin" "--socket-path=$sock" "--shared-dir=$share" "$@") ;;
	ref-c) cmd=("$bin" "--socket-path=$sock" -o "source=$share" "$@") ;;
	*) echo "unknown daemon '$kind' (ours|ref-c)" >&2; return 1 ;;
	esac
	echo "+ ${cmd[*]}" > "$log"
	"${cmd[@]}" >> "$log" 2>&1 < /dev/null &
	TB_DAEMON_PID=$!
	TB_PIDS+=("$TB_DAEMON_PID")
	local i
	for i in $(seq 100); do
		[ -S "$sock" ] && return 0
		kill -0 "$TB_DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "daemon did not create $sock (log: $(tail -n 3 "$log" | tr '\n' ' '))" >&2
	return 1
}

# tb_stop_daemon: waits for the daemon to exit on its own (it serves one
# connection), else stops it.  Sets TB_DAEMON_STATUS (exit status, or
# "killed" when it had to be stopped).
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

# tb_boot SOCK INITRD SERIAL_LOG QEMU_LOG: boots the guest in the foreground
# (at most TB_TIMEOUT seconds).  Sets TB_QEMU_STATUS (124 = timed out) and
# TB_BOOT_SECONDS.
tb_boot() {
	local sock=$1 initrd=$2 serial=$3 qlog=$4 start end
	start=$(date +%s.%N)
	timeout -k 5 "$TB_TIMEOUT" "${STACK_QEMU[@]}" \
		-accel tcg -m 1G -smp 2 -nodefaults -no-user-config \
		-object memory-backend-memfd,id=mem,size=1G,share=on -numa node,memdev=mem \
		-chardev socket,id=char0,path="$sock" \
		-device vhost-user-fs-pci,queue-size=1024,chardev=char0,tag=myfs \
		-kernel "$KERNEL_IMAGE" -initrd "$initrd" \
		-append "console=ttyS0 quiet panic=-1" \
		-display none -serial file:"$serial" -monitor none -no-reboot \
		> "$qlog" 2>&1 < /dev/null &
	local pid=$!
	TB_PIDS+=("$pid")
	TB_QEMU_STATUS=0
	wait "$pid" || TB_QEMU_STATUS=$?
	tb_forget_pid "$pid"
	end=$(date +%s.%N)
	TB_BOOT_SECONDS=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
}

# Serial console text without carriage returns.
tb_serial_text() {
	tr -d '\r' < "$1" 2>/dev/null || true
}
