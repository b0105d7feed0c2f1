#!/bin/bash
# Live-migration tests with a real guest (issue 11): boots the guest on a
# source QEMU against daemon A, starts a destination QEMU (the same command
# line plus -incoming) against daemon B on the same shared directory, migrates
# through QMP and lets the guest go on on the destination.
#
#   tests/guest/migrate.sh [--daemon=ours|ref-rust|ref-c] [--daemon-args=ARGS]
#                          [--queues=N] [--keep] [SCENARIO...]
#
# Stack: always "current" (QEMU 10 + Linux 6.12; QEMU 7.2 cannot migrate a
# vhost-user-fs device).  ours = ${VIRTIOFSD_BIN:-build-asan/virtiofsd},
# ref-rust = Debian trixie's Rust virtiofsd 1.13 (migrates), ref-c = QEMU
# 7.2's C virtiofsd (cannot: QEMU refuses to migrate).
# A scenario is tests/guest/migration/NAME/: guest.sh (busybox sh, share at
# /mnt), host.sh (bash, sourced here: optional functions host_setup SHARE,
# host_check SHARE, host_cleanup SHARE, and step_NAME for each
# "host_step NAME" of the guest, built from the mig_* functions below),
# daemon-args-DAEMON (words added to every daemon of the scenario),
# guest-binaries (host programs copied into the guest, e.g. fio).
# Prints "[DAEMON SCENARIO] PASS name" / "FAIL name: why" lines and a summary;
# exits non-zero when anything failed.  Environment: VIRTIOFSD_TESTBED_TIMEOUT
# (seconds per scenario, default 300), VIRTIOFSD_TESTBED_CACHE.
set -euo pipefail

. "$(dirname "$0")/host-lib.sh"
TB_TIMEOUT=${VIRTIOFSD_TESTBED_TIMEOUT:-300}
MIG_DIR=$TB_DIR/migration
QMP=(python3 "$TB_DIR/qmp.py")

daemon=ours
daemon_args=
keep=0
scenarios=()
for arg in "$@"; do
	case "$arg" in
	--daemon=*) daemon=${arg#--daemon=} ;;
	--daemon-args=*) daemon_args=${arg#--daemon-args=} ;;
	--queues=*) TB_QUEUES=${arg#--queues=} ;;
	--stack=current) ;;
	--stack=*) echo "migrate.sh: only --stack=current (QEMU 10) migrates vhost-user-fs" >&2; exit 2 ;;
	--keep) keep=1 ;;
	-h|--help) sed -n '2,23p' "$0"; exit 0 ;;
	-*) echo "migrate.sh: unknown option $arg" >&2; exit 2 ;;
	*) scenarios+=("$arg") ;;
	esac
done
case "$daemon" in
ours) daemon_bin=${VIRTIOFSD_BIN:-$TB_REPO/build-asan/virtiofsd} ;;
ref-c) daemon_bin=$TB_REF_C_BIN ;;
ref-rust) ;;
*) echo "migrate.sh: --daemon must be ours, ref-rust or ref-c" >&2; exit 2 ;;
esac
case "$TB_QUEUES" in
''|[1-9]|[1-9][0-9]) ;;
*) echo "migrate.sh: --queues must be a number from 1 to 99" >&2; exit 2 ;;
esac
export TB_DAEMON=$daemon
if [ ${#scenarios[@]} -eq 0 ]; then
	for t in "$MIG_DIR"/*/guest.sh; do
		scenarios+=("$(basename "$(dirname "$t")")")
	done
fi

tb_init
MIG_DAEMON_PID=()
# Daemons fork (sandbox): their children go too, before tb_cleanup.
mig_cleanup_daemons() {
	local pid
	for pid in "${MIG_DAEMON_PID[@]}"; do
		[ -z "$pid" ] || mig_kill_tree "$pid" KILL
	done
}
trap 'mig_cleanup_daemons; tb_cleanup' EXIT
stack_load current
mkdir -p "$STACK_CACHE"
initramfs_base
initramfs_progs
stack_prepare_qemu
if [ "$daemon" = ref-rust ]; then
	tb_ref_rust_prepare
	daemon_bin=$TB_REF_RUST_TREE
fi
echo "migrate: stack current: $("${STACK_QEMU[@]}" --version | head -n 1), kernel $KERNEL_PKG"

passed=0
failed=0

collect() {
	local line n=0
	while IFS= read -r line; do
		result "$1" "$line"
		n=$((n + 1))
	done < <(grep -E '^(PASS|FAIL) ' "$2" || true)
	return $((n == 0))
}

# ---------------------------------------------------------------------------
# Instances.  Instance 0 is the source the guest boots on; each destination
# started later gets the next number.  Instance I has daemon I on
# $cur_tmp/vfs-I.sock (log daemon-I.log) and QEMU I with serial-I.log (ttyS0),
# the host-step FIFOs serial-I.log.ctl.{in,out} (ttyS1), QMP on qmp-I.sock and
# qemu-I.log.  MIG_ACTIVE is the instance the guest runs on.

MIG_N=0
MIG_ACTIVE=0
MIG_DEST=
MIG_ORDER=()
MIG_QEMU_PID=()
MIG_DAEMON_PID=()
MIG_SERVED=()
MIG_COUNT=0

# mig_kill_tree PID SIGNAL: PID and its descendants (children first).
mig_kill_tree() {
	local c
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		mig_kill_tree "$c" "$2"
	done
	kill -"$2" "$1" 2>/dev/null || true
}

# mig_daemon_start I [EXTRA...]: daemon I with the scenario's words, the
# --daemon-args words and EXTRA.
mig_daemon_start() {
	local i=$1 log=$cur_tmp/daemon-$1.log
	shift
	# shellcheck disable=SC2086 # --daemon-args is split into words on purpose
	if ! tb_start_daemon "$daemon" "$daemon_bin" "$cur_tmp/vfs-$i.sock" "$cur_share" "$log" \
		$daemon_args "${cur_daemon_args[@]+"${cur_daemon_args[@]}"}" "$@"; then
		MIG_DAEMON_PID[i]=$TB_DAEMON_PID
		echo "FAIL daemon-$i: did not start: $(tail -n 2 "$log" | tr '\n' ' ')"
		return 1
	fi
	MIG_DAEMON_PID[i]=$TB_DAEMON_PID
}

# mig_qemu_start I [QEMU ARGS...]: QEMU I in the background: the same machine
# as tb_boot's (host-lib.sh) with a QMP socket and the host-step port.
mig_qemu_start() {
	local i=$1 t=$cur_tmp
	shift
	rm -f "$t/serial-$i.log.ctl.in" "$t/serial-$i.log.ctl.out"
	mkfifo "$t/serial-$i.log.ctl.in" "$t/serial-$i.log.ctl.out"
	tb_machine_args "$t/vfs-$i.sock" "$t/initrd"
	timeout -k 5 "$TB_TIMEOUT" "${STACK_QEMU[@]}" "${TB_MACHINE_ARGS[@]}" \
		-serial file:"$t/serial-$i.log" -serial pipe:"$t/serial-$i.log.ctl" \
		-qmp unix:"$t/qmp-$i.sock",server=on,wait=off -name "testbed-$i,debug-threads=on" "$@" \
		> "$t/qemu-$i.log" 2>&1 < /dev/null &
	MIG_QEMU_PID[i]=$!
	TB_PIDS+=("$!")
	MIG_SERVED[i]=0
}

# mig_qmp I COMMAND [ARGS-JSON]: one QMP command to QEMU I; prints the answer.
mig_qmp() {
	local i=$1
	shift
	"${QMP[@]}" "$cur_tmp/qmp-$i.sock" "$@"
}

# mig_run_state I: QEMU I's run state (running, paused, inmigrate, postmigrate...).
mig_run_state() {
	QMP_WAIT=2 mig_qmp "$1" query-status 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null ||
		echo gone
}

# mig_dest_start [EXTRA DAEMON ARGS...]: daemon and QEMU of a new destination
# (MIG_DEST), QEMU listening on unix:$cur_tmp/mig-I.sock.
mig_dest_start() {
	local i=$MIG_N
	MIG_N=$((MIG_N + 1))
	MIG_DEST=$i
	mig_daemon_start "$i" "$@" || return 1
	mig_qemu_start "$i" -incoming unix:"$cur_tmp/mig-$i.sock"
	local state
	state=$(mig_run_state "$i")
	if [ "$state" != inmigrate ]; then
		echo "FAIL dest-$i-start: QEMU state '$state': $(tail -n 3 "$cur_tmp/qemu-$i.log" | tr '\n' ' ')"
		return 1
	fi
	# The return path (on both sides) tells the source when the
	# destination fails to load the state (a daemon refusing it): the
	# migration then fails and the source guest runs on.  Without it the
	# source reports "completed" and the guest is lost.
	mig_qmp "$i" migrate-set-capabilities \
		'{"capabilities": [{"capability": "return-path", "state": true}]}' > /dev/null ||
		{ echo "FAIL dest-$i-start: return-path refused"; return 1; }
}

# mig_migrate [--pause] [--bandwidth=BYTES/S] [--downtime=MS]: starts the
# migration of the active instance to MIG_DEST.  --pause: stop in state
# pre-switchover (the guest stopped, before the device state is saved) until
# mig_continue.  Defaults: no pause, 1 GiB/s, QEMU's 300 ms downtime.
mig_migrate() {
	local pause=false bw=$((1 << 30)) downtime=300 a
	for a in "$@"; do
		case "$a" in
		--pause) pause=true ;;
		--bandwidth=*) bw=${a#--bandwidth=} ;;
		--downtime=*) downtime=${a#--downtime=} ;;
		esac
	done
	[ -n "$MIG_DEST" ] || { echo "FAIL migrate: no destination started"; return 1; }
	MIG_COUNT=$((MIG_COUNT + 1))
	mig_qmp "$MIG_ACTIVE" migrate-set-capabilities \
		"{\"capabilities\": [{\"capability\": \"pause-before-switchover\", \"state\": $pause},
		{\"capability\": \"return-path\", \"state\": true}]}" > /dev/null &&
	mig_qmp "$MIG_ACTIVE" migrate-set-parameters \
		"{\"max-bandwidth\": $bw, \"downtime-limit\": $downtime}" > /dev/null &&
	mig_qmp "$MIG_ACTIVE" migrate "{\"uri\": \"unix:$cur_tmp/mig-$MIG_DEST.sock\"}" > /dev/null ||
		{ echo "FAIL migrate-$MIG_COUNT-start: QMP migrate refused"; return 1; }
}

# mig_set I PARAMS-JSON: migrate-set-parameters on the source.
mig_set() {
	mig_qmp "$MIG_ACTIVE" migrate-set-parameters "$1" > /dev/null
}

# mig_wait STATUS[,STATUS...] [SECONDS] [--min-sync N]: waits until the
# source's migration status is one of STATUS; MIG_INFO is query-migrate's
# answer, MIG_STATUS its status.  Returns 1 on another final status, 2 on
# timeout (default 120 s).
mig_wait() {
	local want=$1 secs=${2:-120} rc=0
	shift
	[ $# -eq 0 ] || shift
	MIG_INFO=$("${QMP[@]}" "$cur_tmp/qmp-$MIG_ACTIVE.sock" --wait-migrate "$want" "$secs" "$@") || rc=$?
	MIG_STATUS=$(echo "$MIG_INFO" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("status","none"))' 2>/dev/null || echo unknown)
	return $rc
}

# mig_why: the error QEMU gives for the last migration, and the tails of the
# destination's logs.
mig_why() {
	local err
	err=$(echo "$MIG_INFO" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("error-desc",""))' 2>/dev/null || true)
	echo "status $MIG_STATUS${err:+: $err}; dest qemu: $(tail -n 2 "$cur_tmp/qemu-$MIG_DEST.log" 2>/dev/null | tr '\n' ' ')"
}

# mig_note_times: the last migration's timings as a NOTE line.
mig_note_times() {
	echo "$MIG_INFO" | python3 -c '
import json, sys
i = json.load(sys.stdin)
r = i.get("ram", {})
print("NOTE migration %s: %s total-time=%sms downtime=%sms setup-time=%sms ram-transferred=%dMiB dirty-sync-count=%s" % (
    sys.argv[1], i.get("status"), i.get("total-time", "?"), i.get("downtime", "?"), i.get("setup-time", "?"),
    r.get("transferred", 0) >> 20, r.get("dirty-sync-count", "?")))' "$MIG_COUNT" 2>/dev/null || true
}

# mig_continue: lets a migration paused in pre-switchover go on.
mig_continue() {
	mig_qmp "$MIG_ACTIVE" migrate-continue '{"state": "pre-switchover"}' > /dev/null
}

# mig_cancel: migrate_cancel on the source.
mig_cancel() {
	mig_qmp "$MIG_ACTIVE" migrate_cancel > /dev/null
}

# mig_switch NAME: after a completed migration: the destination must run;
# the source is told to quit and the guest continues on the destination.
mig_switch() {
	local name=$1 src=$MIG_ACTIVE state
	[ -n "$MIG_DEST" ] || { echo "FAIL $name: no destination"; return 1; }
	mig_note_times
	for _ in $(seq 50); do
		state=$(mig_run_state "$MIG_DEST")
		case "$state" in running|gone) break ;; esac
		sleep 0.1
	done
	if [ "$state" != running ]; then
		echo "FAIL $name: destination QEMU is '$state' after the migration: $(tail -n 3 "$cur_tmp/qemu-$MIG_DEST.log" | tr '\n' ' ')"
		return 1
	fi
	mig_qmp "$src" quit > /dev/null 2>&1 || true
	mig_wait_exit "$src" 20
	MIG_ACTIVE=$MIG_DEST
	MIG_ORDER+=("$MIG_DEST")
	MIG_DEST=
	echo "PASS $name"
}

# mig_wait_exit I SECONDS: waits for QEMU I to end (then stops it); sets
# MIG_QEMU_STATUS.
mig_wait_exit() {
	local pid=${MIG_QEMU_PID[$1]}
	for _ in $(seq $(($2 * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null || true
	MIG_QEMU_STATUS=0
	wait "$pid" 2>/dev/null || MIG_QEMU_STATUS=$?
	tb_forget_pid "$pid"
}

# mig_migrate_to_new_dest NAME [EXTRA DAEMON ARGS...]: the whole successful
# migration: a new destination, migrate, switch over.
mig_migrate_to_new_dest() {
	local name=$1
	shift
	mig_dest_start "$@" || return 1
	mig_migrate || return 1
	if ! mig_wait completed; then
		echo "FAIL $name: migration did not complete: $(mig_why)"
		return 1
	fi
	mig_switch "$name"
}

# mig_expect_source_runs NAME: after a failed or cancelled migration the
# source guest must be running again.
mig_expect_source_runs() {
	local state
	for _ in $(seq 50); do
		state=$(mig_run_state "$MIG_ACTIVE")
		case "$state" in running|gone) break ;; esac
		sleep 0.1
	done
	if [ "$state" = running ]; then
		echo "PASS $1"
	else
		echo "FAIL $1: source QEMU is '$state'"
	fi
}

# mig_drop_dest: after a failed or cancelled migration: the destination QEMU
# (it normally exits by itself) and its daemon go.
mig_drop_dest() {
	local i=$MIG_DEST
	mig_wait_exit "$i" 10
	echo "NOTE dest $i: qemu exited with status $MIG_QEMU_STATUS: $(tail -n 2 "$cur_tmp/qemu-$i.log" | tr '\n' ' ')"
	mig_stop_daemon "$i" 5
	echo "NOTE dest $i: daemon status ${MIG_DAEMON_STATUS[$i]}"
	MIG_DEST=
}

# mig_after_step NAME RC: a step must leave the guest running somewhere.  A
# failed step may leave a migration going on (cancelled here) or completed
# (the guest is switched over here); a guest that runs nowhere ends the
# scenario at once instead of at the timeout.
mig_after_step() {
	local name=$1 rc=$2 st state
	if [ "$rc" -ne 0 ] && [ -n "$MIG_DEST" ]; then
		st=$(QMP_WAIT=2 mig_qmp "$MIG_ACTIVE" query-migrate 2>/dev/null |
			python3 -c 'import json,sys; print(json.load(sys.stdin).get("status","none"))' 2>/dev/null || echo gone)
		case "$st" in
		setup|active|pre-switchover|device|cancelling|wait-unplug)
			echo "NOTE step $name failed during the migration ($st): cancelling it"
			mig_cancel || true
			mig_wait cancelled,failed 30 || true
			mig_drop_dest
			;;
		esac
	fi
	state=$(mig_run_state "$MIG_ACTIVE")
	if [ "$state" = postmigrate ] && [ -n "$MIG_DEST" ] && [ "$(mig_run_state "$MIG_DEST")" = running ]; then
		echo "NOTE step $name left the guest on the destination: switching over"
		mig_switch "switch-after-$name" || true
	elif [ "$state" != running ]; then
		echo "FAIL guest-runs-after-$name: QEMU $MIG_ACTIVE is '$state': stopping the scenario"
		kill "${MIG_QEMU_PID[$MIG_ACTIVE]}" 2>/dev/null || true
	fi
}

# mig_stop_daemon I SECONDS: waits for daemon I to exit on its own, else
# stops it and its children; sets MIG_DAEMON_STATUS[I] (status or "killed").
MIG_DAEMON_STATUS=()
mig_stop_daemon() {
	local pid=${MIG_DAEMON_PID[$1]:-}
	[ -n "$pid" ] || return 0
	for _ in $(seq $(($2 * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		mig_kill_tree "$pid" TERM
		sleep 0.5
		mig_kill_tree "$pid" KILL
		wait "$pid" 2>/dev/null || true
		MIG_DAEMON_STATUS[$1]=killed
	else
		MIG_DAEMON_STATUS[$1]=0
		wait "$pid" 2>/dev/null || MIG_DAEMON_STATUS[$1]=$?
	fi
	tb_forget_pid "$pid"
	MIG_DAEMON_PID[$1]=
}

# mig_kill_daemon I: SIGKILL for daemon I and its children (a crash).
mig_kill_daemon() {
	mig_kill_tree "${MIG_DAEMON_PID[$1]}" KILL
}

# mig_snapshot SHARE: a listing of the share with each file's sha256 (to
# compare before and after a migration that must change nothing).
mig_snapshot() {
	(cd "$1" && find . -xdev -printf '%y %p %s %i\n' | LC_ALL=C sort &&
		find . -xdev -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# ---------------------------------------------------------------------------
# The runner.

# mig_serve_steps: runs the host steps the guest asked for on the active
# instance's console since the last call, answering on that instance's ttyS1
# (after a completed migration: the destination's).
mig_serve_steps() {
	local i=$MIG_ACTIVE serial=$cur_tmp/serial-$MIG_ACTIVE.log lines name fn rc
	local -a asked
	[ -f "$serial" ] || return 0
	lines=$(wc -l < "$serial")
	mapfile -t asked < <(head -n "$lines" "$serial" | tr -d '\r' |
		sed -n 's/^TESTBED-HOST-STEP \([A-Za-z0-9_.-]*\)$/\1/p')
	while [ "${#asked[@]}" -gt "${MIG_SERVED[$i]}" ]; do
		name=${asked[${MIG_SERVED[$i]}]}
		MIG_SERVED[i]=$((MIG_SERVED[i] + 1))
		fn=step_${name//[-.]/_}
		rc=0
		echo "== host-step $name ($(date +%T.%N | cut -c1-12))" >> "$cur_tmp/host-step.log"
		if declare -F "$fn" > /dev/null; then
			"$fn" "$cur_share" >> "$cur_tmp/host-step.log" 2>&1 || rc=$?
		else
			echo "FAIL host-step-$name: no function $fn in host.sh" >> "$cur_tmp/host-step.log"
			rc=127
		fi
		mig_after_step "$name" "$rc" >> "$cur_tmp/host-step.log" 2>&1
		echo "== host-step $name rc=$rc, guest on instance $MIG_ACTIVE ($(date +%T.%N | cut -c1-12))" >> "$cur_tmp/host-step.log"
		# Read-write: never blocks, even if QEMU is gone.
		echo "TESTBED-HOST-DONE $name rc=$rc" 1<> "$cur_tmp/serial-$MIG_ACTIVE.log.ctl.in"
	done
}

run_scenario() {
	local t=$1 dir=$MIG_DIR/$1 tmp fn
	case "$1" in */*) dir=$(cd "$1" && pwd); t=$(basename "$1") ;; esac
	if [ ! -f "$dir/guest.sh" ]; then
		result "$t" "FAIL $t: no such scenario ($dir/guest.sh)"
		return
	fi
	if [ -f "$dir/daemons" ] && ! grep -qw -- "$daemon" "$dir/daemons"; then
		echo "[$daemon $t] SKIP $t: $(grep -v '^ *$' "$dir/daemons" | tr '\n' ' ')"
		return
	fi
	# A scenario's functions replace the previous one's.
	for fn in $(declare -F | awk '{ print $3 }' | grep -E '^(host_setup|host_check|host_cleanup|step_.*)$' || true); do
		unset -f "$fn"
	done
	[ ! -f "$dir/host.sh" ] || . "$dir/host.sh"
	tb_tmpdir tmp
	cur_tmp=$tmp cur_share=$tmp/share cur_dir=$dir
	export TB_TEST_TMP=$tmp PROGS_DIR
	mkdir "$cur_share"
	cur_daemon_args=()
	if [ -f "$dir/daemon-args-$daemon" ]; then
		read -r -a cur_daemon_args < "$dir/daemon-args-$daemon" || true
	fi
	MIG_N=1 MIG_ACTIVE=0 MIG_DEST= MIG_ORDER=(0) MIG_COUNT=0
	MIG_QEMU_PID=() MIG_DAEMON_PID=() MIG_SERVED=() MIG_DAEMON_STATUS=()
	if declare -F host_cleanup > /dev/null; then
		TB_CLEANUP_CMDS+=("host_cleanup \"$cur_share\" >> \"$tmp/host-step.log\" 2>&1")
	fi
	local start_s
	start_s=$(date +%s.%N)

	if declare -F host_setup > /dev/null && ! host_setup "$cur_share" > "$tmp/host-setup.log" 2>&1; then
		result "$t" "FAIL host-setup: $(tail -n 2 "$tmp/host-setup.log" | tr '\n' ' ')"
		finish_scenario "$t"
		return
	fi
	notes "$t" "$tmp/host-setup.log"
	initramfs_test "$tmp/test.cpio" "$dir/guest.sh" "$dir"
	cat "$INITRAMFS_BASE" "$tmp/test.cpio" > "$tmp/initrd"

	if ! mig_daemon_start 0 > "$tmp/start.log"; then
		result "$t" "$(cat "$tmp/start.log")"
		finish_scenario "$t"
		return
	fi
	mig_qemu_start 0
	local deadline timed_out=0 snapped=0
	deadline=$(( $(date +%s) + TB_TIMEOUT ))
	while kill -0 "${MIG_QEMU_PID[$MIG_ACTIVE]}" 2>/dev/null; do
		mig_serve_steps
		# Just before the end: where the instance the guest runs on and
		# its daemon wait (hang-lib.sh).
		if [ $snapped -eq 0 ] && [ "$(date +%s)" -ge $((deadline - 4)) ]; then
			snapped=1
			TB_DAEMON_PID=${MIG_DAEMON_PID[$MIG_ACTIVE]:-} tb_hang_snapshot \
				"${MIG_QEMU_PID[$MIG_ACTIVE]}" "$tmp/qmp-$MIG_ACTIVE.sock" > "$tmp/instance.hang" 2>&1 || true
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			timed_out=1
			break
		fi
		sleep 0.2
	done
	# The guest powered off (or hung): every QEMU and daemon goes.
	local i status
	for i in $(seq 0 $((MIG_N - 1))); do
		[ -n "${MIG_QEMU_PID[$i]:-}" ] || continue
		if kill -0 "${MIG_QEMU_PID[$i]}" 2>/dev/null; then
			[ "$i" = "$MIG_ACTIVE" ] || echo "NOTE qemu $i still running at the end: stopped" >> "$tmp/host-step.log"
			kill "${MIG_QEMU_PID[$i]}" 2>/dev/null || true
		fi
		status=0
		wait "${MIG_QEMU_PID[$i]}" 2>/dev/null || status=$?
		tb_forget_pid "${MIG_QEMU_PID[$i]}"
		[ "$i" != "$MIG_ACTIVE" ] || MIG_END_STATUS=$status
	done
	for i in $(seq 0 $((MIG_N - 1))); do
		mig_stop_daemon "$i" 5
	done
	local secs
	secs=$(awk -v a="$start_s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	# A guest that never reached /init ran nothing of the scenario
	# (hang-lib.sh): once, its vCPUs are shown and it runs again.
	if [ "$scenario_attempt" -eq 1 ] && [ $timed_out -eq 1 ] && [ "$MIG_COUNT" -eq 0 ] &&
		tb_boot_again "[$daemon $t]" "$tmp/serial-0.log" "$tmp/instance.hang" \
			"${MIG_DAEMON_STATUS[0]:-}" "$tmp/daemon-0.log" "$secs" "running the scenario again"; then
		scenario_again=1
		finish_scenario "$t"
		return
	fi

	# The console of each instance the guest ran on, in order.
	: > "$tmp/guest.out"
	for i in "${MIG_ORDER[@]}"; do
		tb_serial_text "$tmp/serial-$i.log" >> "$tmp/guest.out"
	done
	collect "$t" "$tmp/guest.out" || result "$t" "FAIL guest: no result lines"
	notes "$t" "$tmp/guest.out"
	if [ -f "$tmp/host-step.log" ]; then
		collect "$t" "$tmp/host-step.log" || true
		notes "$t" "$tmp/host-step.log"
	fi
	local finished=1
	if ! grep -q '^TESTBED-END rc=0$' "$tmp/guest.out"; then
		finished=0
		local why="no end marker (guest crashed or hung; qemu $MIG_ACTIVE status ${MIG_END_STATUS:-?})"
		[ $timed_out -eq 0 ] || why="timed out after ${TB_TIMEOUT}s on instance $MIG_ACTIVE"
		grep -q '^TESTBED-END' "$tmp/guest.out" && why="guest script: $(grep '^TESTBED-END' "$tmp/guest.out")"
		result "$t" "FAIL guest: $why; last lines: $(tail -n 3 "$tmp/guest.out" | tr '\n' '|')"
	fi
	echo "[$daemon $t] TIME scenario ${secs}s, $MIG_COUNT migration(s), guest ended on instance $MIG_ACTIVE"

	if [ $finished -eq 0 ]; then
		echo "[$daemon $t] NOTE host-check skipped: the guest did not finish"
		tb_hang_report "[$daemon $t]" "$tmp" "serial-$MIG_ACTIVE.log" "qemu-$MIG_ACTIVE.log" \
			"daemon-$MIG_ACTIVE.log" host-step.log instance.hang
	elif declare -F host_check > /dev/null; then
		local st=0
		(set +e; host_check "$cur_share") > "$tmp/host-check.out" 2>&1 || st=$?
		collect "$t" "$tmp/host-check.out" || result "$t" "FAIL host-check: no result lines"
		[ $st -eq 0 ] || result "$t" "FAIL host-check: exited $st: $(tail -n 2 "$tmp/host-check.out" | tr '\n' ' ')"
	fi
	# The daemon the guest ended on must exit cleanly once QEMU is gone.
	case "${MIG_DAEMON_STATUS[$MIG_ACTIVE]:-}" in
	0) ;;
	killed) echo "[$daemon $t] NOTE daemon $MIG_ACTIVE did not exit after the guest powered off; stopped it" ;;
	*) result "$t" "FAIL daemon-$MIG_ACTIVE: exited with status ${MIG_DAEMON_STATUS[$MIG_ACTIVE]:-?}" ;;
	esac
	for i in $(seq 0 $((MIG_N - 1))); do
		[ "$i" = "$MIG_ACTIVE" ] || [ -z "${MIG_DAEMON_STATUS[$i]:-}" ] ||
			echo "[$daemon $t] NOTE daemon $i exit status ${MIG_DAEMON_STATUS[$i]}"
		local report
		report=$(tb_sanitizer_report "$tmp/daemon-$i.log" 2>/dev/null)
		[ -z "$report" ] || result "$t" "FAIL daemon-$i: sanitizer report: $report"
	done
	finish_scenario "$t"
}

# finish_scenario NAME: the scenario's own cleanup, unmount, remove (or keep).
finish_scenario() {
	local cmd
	for cmd in "${TB_CLEANUP_CMDS[@]}"; do
		eval "$cmd" || echo "[$daemon $1] NOTE host cleanup failed"
	done
	TB_CLEANUP_CMDS=()
	tb_drop_tmpdir "$1" "$cur_tmp"
}

start=$(date +%s)
for s in "${scenarios[@]}"; do
	scenario_attempt=1 scenario_again=0
	run_scenario "$s"
	if [ $scenario_again -eq 1 ]; then
		scenario_attempt=2
		run_scenario "$s"
	fi
done
echo "migrate ($daemon${TB_QUEUES:+, $TB_QUEUES queues}): $(($(date +%s) - start))s for ${#scenarios[@]} scenarios"
echo "migrate: $passed passed, $failed failed"
[ $failed -eq 0 ]
