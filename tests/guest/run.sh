#!/bin/bash
# The real-guest test runner: boots a Linux guest per test against a
# virtio-fs daemon and collects PASS/FAIL lines.
#
#   tests/guest/run.sh [--daemon=ours|ref-c|ref-rust] [--stack=floor|current]
#                      [--queues=N] [--vcpus=N] [--daemon-args=ARGS] [--keep]
#                      [--second=DAEMON [--second-args=ARGS]] [TEST...]
#
# ours     = ${VIRTIOFSD_BIN:-build-asan/virtiofsd}, run as BIN --socket-path=S --shared-dir=DIR
# ref-c    = /usr/lib/qemu/virtiofsd, run as BIN --socket-path=S -o source=DIR
# ref-rust = Debian trixie's Rust virtiofsd 1.13, unpacked into the cache with
#            its libraries, run as LOADER --library-path LIBS virtiofsd
#            --socket-path=S --shared-dir=DIR
# --stack: floor (default) = QEMU 7.2 + Linux 6.1; current = QEMU 10.0 +
# Linux 6.12 from bookworm-backports.  --queues=N: num-request-queues=N on
# the vhost-user-fs device (default: QEMU's, 1).  --vcpus=N: the guest's
# vCPUs (default 2).  --second=DAEMON: a second
# daemon (ours, ref-c, ref-rust) on its own share, a second device with tag
# "second" in the same guest (guest.sh mounts it): side-by-side benchmarks
# in one guest; its log is second.log, its CPU time goes to
# TB_SECOND_PREFIX's command like TB_DAEMON_PREFIX's for the first.
# A test is tests/guest/tests/NAME/: guest.sh (busybox sh, share at /mnt),
# optional host-setup.sh and host-check.sh (bash, share path as $1),
# host-step.sh (bash, STEP and share path: steps the guest asks for with
# guest-lib.sh's host_step, plus "daemon-started" before the boot and
# "cleanup" always at the end), daemon-args-ours / daemon-args-ref-c (words
# added to that daemon's command), kernel-args (words added to the guest
# kernel's command line), no-automount (/init does not mount the share:
# guest.sh does), reboots (the guest may reboot: QEMU resets the machine
# instead of exiting, and the same guest.sh runs again in the new boot) and
# memory-slots ("SLOTS MAXMEM": -m 1G,slots=SLOTS,maxmem=MAXMEM, memory
# the host steps can hot-plug), qemu-args / qemu-args-STACK (words added to
# QEMU's command line, on every stack / on that one), modules (kernel modules
# /init loads, with their dependencies), stacks (the stacks the test runs on;
# others SKIP it) and daemons (likewise).
# Hooks get the test's folder as $TB_TEST_TMP.
# Environment: VIRTIOFSD_TESTBED_TIMEOUT (seconds per boot, default 240),
# VIRTIOFSD_TESTBED_CACHE (default /var/cache/virtiofsd-testbed).
set -euo pipefail

. "$(dirname "$0")/host-lib.sh"

daemon=ours
stack=floor
daemon_args=
keep=0
second=
second_args=
tests=()
for arg in "$@"; do
	case "$arg" in
	--daemon=*) daemon=${arg#--daemon=} ;;
	--stack=*) stack=${arg#--stack=} ;;
	--queues=*) TB_QUEUES=${arg#--queues=} ;;
	--vcpus=*) TB_VCPUS=${arg#--vcpus=} ;;
	--daemon-args=*) daemon_args=${arg#--daemon-args=} ;;
	--keep) keep=1 ;;
	--second=*) second=${arg#--second=} ;;
	--second-args=*) second_args=${arg#--second-args=} ;;
	-h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $arg" >&2; exit 2 ;;
	*) tests+=("$arg") ;;
	esac
done
case "$daemon" in
ours) daemon_bin=${VIRTIOFSD_BIN:-$TB_REPO/build-asan/virtiofsd} ;;
ref-c) daemon_bin=$TB_REF_C_BIN ;;
ref-rust) ;;   # the tree, once fetched (below)
*) echo "run.sh: --daemon must be ours, ref-c or ref-rust" >&2; exit 2 ;;
esac
second_bin=
case "$second" in
'') ;;
ours) second_bin=${VIRTIOFSD_BIN:-$TB_REPO/build-asan/virtiofsd} ;;
ref-c) second_bin=$TB_REF_C_BIN ;;
ref-rust) ;;
*) echo "run.sh: --second must be ours, ref-c or ref-rust" >&2; exit 2 ;;
esac
# Hooks (host-setup, host-step, host-check) may need to know.
export TB_DAEMON=$daemon
case "$TB_QUEUES" in
''|[1-9]|[1-9][0-9]) ;;
*) echo "run.sh: --queues must be a number from 1 to 99" >&2; exit 2 ;;
esac
case "$TB_VCPUS" in
[1-8]) ;;
*) echo "run.sh: --vcpus must be a number from 1 to 8" >&2; exit 2 ;;
esac
if [ ${#tests[@]} -eq 0 ]; then
	for t in "$TB_DIR"/tests/*/guest.sh; do
		tests+=("$(basename "$(dirname "$t")")")
	done
fi

tb_init
stack_load "$stack"
mkdir -p "$STACK_CACHE"
initramfs_base
stack_prepare_qemu
if [ "$daemon" = ref-rust ] || [ "$second" = ref-rust ]; then
	tb_ref_rust_prepare
	[ "$daemon" != ref-rust ] || daemon_bin=$TB_REF_RUST_TREE
	[ "$second" != ref-rust ] || second_bin=$TB_REF_RUST_TREE
fi
echo "guest: stack $stack: $("${STACK_QEMU[@]}" --version | head -n 1), kernel $KERNEL_PKG"

passed=0
failed=0
skipped=0

# host_step STEP: the current test's host-step.sh STEP (tb_boot's hook).
host_step() {
	[ -f "$cur_dir/host-step.sh" ] || return 0
	local log=$cur_tmp/host-step.log rc=0
	echo "== host-step $1" >> "$log"
	bash "$cur_dir/host-step.sh" "$1" "$cur_share" >> "$log" 2>&1 || rc=$?
	[ $rc -eq 0 ] || echo "FAIL host-step-$1: exited $rc: $(tail -n 2 "$log" | tr '\n' ' ')" >> "$log"
	return $rc
}

# collect TEST FILE: the PASS/FAIL lines in FILE; none at all is a failure.
# A check this daemon is known to fail is listed in the test's
# DAEMON-expected-fail, one "name [why]" a line: its FAIL is reported as a
# PASS that says so, and a NOTE appears when it passes after all.
collect() {
	local line n=0 name why known=$cur_dir/$daemon-expected-fail
	while IFS= read -r line; do
		name=${line#* }
		name=${name%%:*}
		name=${name%% *}
		why=
		[ -f "$known" ] && why=$(awk -v n="$name" '$1 == n { $1 = ""; print "listed" $0; exit }' "$known")
		case "$line" in
		FAIL*) [ -z "$why" ] || line="PASS $name (known $daemon deviation${why#listed}: ${line#*: })" ;;
		PASS*) [ -z "$why" ] || echo "[$daemon $1] NOTE $name: a known $daemon deviation, passes" ;;
		esac
		result "$1" "$line"
		n=$((n + 1))
	done < <(grep -E '^(PASS|FAIL) ' "$2" || true)
	return $((n == 0))
}

run_test() {
	local t=$1 dir=$TB_DIR/tests/$1 tmp
	# A test may also be named by its folder (bench/guest/NAME).
	case "$1" in */*) dir=$(cd "$1" && pwd); t=$(basename "$1") ;; esac
	if [ ! -f "$dir/guest.sh" ]; then
		result "$t" "FAIL $t: no such test ($dir/guest.sh)"
		return
	fi
	# A test only some daemons can run lists them in "daemons".
	if [ -f "$dir/daemons" ] && ! grep -qw -- "$daemon" "$dir/daemons"; then
		echo "[$daemon $t] SKIP $t: $(grep -v '^ *$' "$dir/daemons" | tr '\n' ' ')"
		skipped=$((skipped + 1))
		return
	fi
	# ... and the stacks it needs in "stacks".
	if [ -f "$dir/stacks" ] && ! grep -qw -- "$stack" "$dir/stacks"; then
		echo "[$daemon $t] SKIP $t: stack $(grep -v '^ *$' "$dir/stacks" | tr '\n' ' ')"
		skipped=$((skipped + 1))
		return
	fi
	tb_tmpdir tmp
	local share=$tmp/share sock=$tmp/vhost-user-fs.sock
	mkdir "$share"
	export TB_TEST_TMP=$tmp
	cur_dir=$dir cur_tmp=$tmp cur_share=$share
	TB_HOST_STEP=
	if [ -f "$dir/host-step.sh" ]; then
		TB_HOST_STEP=host_step
		# The test's own cleanup runs even when the runner is interrupted.
		TB_CLEANUP_CMDS+=("host_step cleanup")
	fi

	if [ -f "$dir/host-setup.sh" ] && ! bash "$dir/host-setup.sh" "$share" > "$tmp/host-setup.log" 2>&1; then
		result "$t" "FAIL host-setup: $(tail -n 2 "$tmp/host-setup.log" | tr '\n' ' ')"
		finish_test "$t" "$tmp"
		return
	fi
	notes "$t" "$tmp/host-setup.log"
	if ! initramfs_test "$tmp/test.cpio" "$dir/guest.sh" "$dir" 2> "$tmp/initramfs.log"; then
		result "$t" "FAIL initramfs: $(tail -n 2 "$tmp/initramfs.log" | tr '\n' ' ')"
		finish_test "$t" "$tmp"
		return
	fi
	# What it said on the way (helpers compiled) still reaches the user.
	cat "$tmp/initramfs.log" >&2
	cat "$INITRAMFS_BASE" "$tmp/test.cpio" > "$tmp/initrd"

	local test_args=()
	if [ -f "$dir/daemon-args-$daemon" ]; then
		read -r -a test_args < "$dir/daemon-args-$daemon" || true
	fi
	local started=0
	# shellcheck disable=SC2086 # --daemon-args is split into words on purpose
	if [ -f "$dir/daemon-cmdline-$daemon" ]; then
		# A user's exact command line (compat-* tests): nothing added.
		read -r -a test_args < "$dir/daemon-cmdline-$daemon" || true
		# (LeakSanitizer needs /proc, which the sandbox takes away.)
		export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
		tb_start_daemon_cmdline "$daemon_bin" \
			"$sock" "$share" "$tmp/daemon.log" "${test_args[@]}" && started=1
	elif tb_start_daemon "$daemon" "$daemon_bin" "$sock" "$share" "$tmp/daemon.log" $daemon_args \
		"${test_args[@]+"${test_args[@]}"}"; then
		started=1
	fi
	if [ $started -eq 0 ]; then
		result "$t" "FAIL daemon: did not start ($(tail -n 2 "$tmp/daemon.log" | tr '\n' ' '))"
		tb_stop_daemon
		finish_test "$t" "$tmp"
		return
	fi
	local second_pid=
	TB_SECOND_SOCK=
	if [ -n "$second" ]; then
		local first_pid=$TB_DAEMON_PID share2=$tmp/share2 args2=()
		mkdir "$share2"
		if [ -f "$dir/host-setup.sh" ] && ! bash "$dir/host-setup.sh" "$share2" >> "$tmp/host-setup.log" 2>&1; then
			result "$t" "FAIL host-setup (second share): $(tail -n 2 "$tmp/host-setup.log" | tr '\n' ' ')"
		fi
		[ ! -f "$dir/daemon-args-$second" ] || read -r -a args2 < "$dir/daemon-args-$second" || true
		# shellcheck disable=SC2086 # --second-args is split into words on purpose
		if TB_DAEMON_PREFIX=${TB_SECOND_PREFIX:-} tb_start_daemon "$second" "$second_bin" \
			"$tmp/second.sock" "$share2" "$tmp/second.log" $second_args "${args2[@]+"${args2[@]}"}"; then
			TB_SECOND_SOCK=$tmp/second.sock
		else
			result "$t" "FAIL second daemon: did not start ($(tail -n 2 "$tmp/second.log" | tr '\n' ' '))"
		fi
		second_pid=$TB_DAEMON_PID
		TB_DAEMON_PID=$first_pid
	fi
	# A failure is a FAIL line in host-step.log, collected below.
	[ -z "$TB_HOST_STEP" ] || host_step daemon-started || true
	TB_KERNEL_ARGS=
	[ ! -f "$dir/kernel-args" ] || TB_KERNEL_ARGS=$(grep -v '^#' "$dir/kernel-args" | tr '\n' ' ')
	TB_REBOOTS=
	[ ! -f "$dir/reboots" ] || TB_REBOOTS=1
	TB_MEM_SLOTS=
	[ ! -f "$dir/memory-slots" ] || TB_MEM_SLOTS=$(grep -v '^#' "$dir/memory-slots" | head -n 1)
	# Words added to QEMU's command line: qemu-args on every stack, then
	# qemu-args-STACK on that stack.
	TB_QEMU_ARGS=()
	local qa words
	for qa in "$dir/qemu-args" "$dir/qemu-args-$stack"; do
		[ -f "$qa" ] || continue
		read -r -a words <<< "$(grep -v '^#' "$qa" | tr '\n' ' ')" || true
		TB_QEMU_ARGS+=("${words[@]+"${words[@]}"}")
	done
	tb_boot "$sock" "$tmp/initrd" "$tmp/serial.log" "$tmp/qemu.log"
	tb_stop_daemon
	if [ -n "$second_pid" ]; then
		local first_status=$TB_DAEMON_STATUS
		TB_DAEMON_PID=$second_pid
		tb_stop_daemon
		case "$TB_DAEMON_STATUS" in
		0|killed) ;;
		*) result "$t" "FAIL second daemon: exited with status $TB_DAEMON_STATUS" ;;
		esac
		TB_DAEMON_STATUS=$first_status
		TB_SECOND_SOCK=
	fi
	tb_serial_text "$tmp/serial.log" > "$tmp/guest.out"
	# The guest kernel never got to the test (hang-lib.sh): once, boot it again.
	if [ "$boot_attempt" -eq 1 ] && [ "$TB_QEMU_STATUS" = 124 ] &&
		tb_boot_again "[$daemon $t]" "$tmp/serial.log" "$tmp/serial.log.hang" "$TB_DAEMON_STATUS" \
			"$tmp/daemon.log" "$TB_BOOT_SECONDS" "booting the test again"; then
		boot_again=1
		finish_test "$t" "$tmp"
		return
	fi

	collect "$t" "$tmp/guest.out" || result "$t" "FAIL guest: no result lines"
	notes "$t" "$tmp/guest.out"
	if [ -f "$tmp/host-step.log" ]; then
		collect "$t" "$tmp/host-step.log" || true
		notes "$t" "$tmp/host-step.log"
	fi
	# Benchmarks report "BENCH name value unit" lines: passed on as they are.
	grep -E '^BENCH ' "$tmp/guest.out" | sed "s/^/[$daemon $t] /" || true
	local finished=1
	if ! grep -q '^TESTBED-END rc=0$' "$tmp/guest.out"; then
		finished=0
		local why="no end marker (guest crashed or hung; qemu status $TB_QEMU_STATUS)"
		grep -q '^TESTBED-END' "$tmp/guest.out" && why="guest script: $(grep '^TESTBED-END' "$tmp/guest.out")"
		result "$t" "FAIL guest: $why; last lines: $(tail -n 3 "$tmp/guest.out" | tr '\n' '|')"
	fi
	echo "[$daemon $t] TIME boot-to-result ${TB_BOOT_SECONDS}s"

	if [ $finished -eq 0 ]; then
		echo "[$daemon $t] NOTE host-check skipped: the guest did not finish"
		hang_report "$t" "$tmp"
	elif [ -f "$dir/host-check.sh" ]; then
		local status=0
		bash "$dir/host-check.sh" "$share" > "$tmp/host-check.out" 2>&1 || status=$?
		collect "$t" "$tmp/host-check.out" || result "$t" "FAIL host-check: no result lines"
		[ $status -eq 0 ] || result "$t" "FAIL host-check: exited $status: $(tail -n 2 "$tmp/host-check.out" | tr '\n' ' ')"
	fi

	case "$TB_DAEMON_STATUS" in
	0) ;;
	killed) echo "[$daemon $t] NOTE daemon did not exit after the guest powered off; stopped it" ;;
	*) result "$t" "FAIL daemon: exited with status $TB_DAEMON_STATUS" ;;
	esac
	local report
	report=$(tb_sanitizer_report "$tmp/daemon.log")
	[ -z "$report" ] || result "$t" "FAIL daemon: sanitizer report: $report"
	finish_test "$t" "$tmp"
}

# hang_report TEST TMP: what each side last said, kept in the run's output
# (a CI run keeps no folders): the console, QEMU's and the daemon's logs,
# and where the threads waited before the timeout (tb_boot).
hang_report() {
	tb_hang_report "[$daemon $1]" "$2" serial.log qemu.log daemon.log serial.log.hang
}

# finish_test TEST TMP: unmount and remove the test's folder, or keep it.
finish_test() {
	if [ -n "$TB_HOST_STEP" ]; then
		host_step cleanup || echo "[$daemon $1] NOTE host-step cleanup failed: $(tail -n 1 "$2/host-step.log")"
		TB_CLEANUP_CMDS=()
		TB_HOST_STEP=
	fi
	tb_drop_tmpdir "$1" "$2"
}

start=$(date +%s)
for t in "${tests[@]}"; do
	boot_attempt=1 boot_again=0
	run_test "$t"
	if [ $boot_again -eq 1 ]; then
		boot_attempt=2
		run_test "$t"
	fi
done
echo "guest ($daemon, stack $stack${TB_QUEUES:+, $TB_QUEUES queues}): $(($(date +%s) - start))s for ${#tests[@]} boots"
echo "guest: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
