# shellcheck shell=bash
# cancelled: the host side (sourced by migrate.sh).
host_setup() {
	local i
	"$PROGS_DIR/vt-pattern" 42 0 1048576 > "$1/r.bin"
	mkdir "$1/dir"
	for i in $(seq -f '%03g' 0 199); do
		: > "$1/dir/e$i"
	done
}

step_cancel_while_active() {
	mig_dest_start || return 1
	# 4 MiB/s: RAM is still being sent when the cancel comes.
	mig_migrate --bandwidth=$((4 << 20)) || return 1
	if ! mig_wait active 60; then
		echo "FAIL cancel-while-active: never active: $(mig_why)"
		return 1
	fi
	sleep 1
	mig_cancel || { echo "FAIL cancel-while-active: migrate_cancel refused"; return 1; }
	if mig_wait cancelled 60; then
		echo "PASS cancel-while-active"
	else
		echo "FAIL cancel-while-active: $(mig_why)"
	fi
	mig_expect_source_runs source-runs-after-cancel-while-active
	mig_drop_dest
}

step_cancel_at_switchover() {
	mig_dest_start || return 1
	mig_migrate --pause || return 1
	if ! mig_wait pre-switchover; then
		echo "FAIL cancel-at-switchover: never paused: $(mig_why)"
		return 1
	fi
	mig_cancel || { echo "FAIL cancel-at-switchover: migrate_cancel refused"; return 1; }
	if mig_wait cancelled 60; then
		echo "PASS cancel-at-switchover"
	else
		echo "FAIL cancel-at-switchover: $(mig_why)"
	fi
	mig_expect_source_runs source-runs-after-cancel-at-switchover
	mig_drop_dest
}

step_dest_daemon_killed() {
	mig_dest_start || return 1
	mig_migrate --bandwidth=$((4 << 20)) || return 1
	if ! mig_wait active 60; then
		echo "FAIL dest-daemon-killed: never active: $(mig_why)"
		return 1
	fi
	mig_kill_daemon "$MIG_DEST"
	echo "NOTE killed the destination daemon during the migration"
	mig_set '{"max-bandwidth": 1073741824}'
	if mig_wait failed 120; then
		echo "PASS dest-daemon-killed-migration-fails"
		echo "NOTE failed: $(mig_why)"
	else
		echo "FAIL dest-daemon-killed-migration-fails: $(mig_why)"
	fi
	mig_expect_source_runs source-runs-after-dest-daemon-killed
	mig_drop_dest
}

step_migrate() {
	mig_migrate_to_new_dest migrated-after-failed-attempts
}

host_check() {
	. "$TB_DIR/host-check-lib.sh"
	expect written "$("$PROGS_DIR/vt-pattern" 41 0 327680 | sum /dev/stdin)" "$(sum "$1/w.bin")"
	expect read-file-untouched "$("$PROGS_DIR/vt-pattern" 42 0 1048576 | sum /dev/stdin)" "$(sum "$1/r.bin")"
}
