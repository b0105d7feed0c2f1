# shellcheck shell=bash
# fio-verify: the host side (sourced by migrate.sh).

step_migrate_start() {
	mig_dest_start || return 1
	# The migration must not converge until migrate-finish lets it: a 1 ms
	# downtime limit at 64 MiB/s lets QEMU switch over only when less than
	# 64 KiB is left to send, while vt-dirtier rewrites 16 MiB all the time.
	mig_migrate --downtime=1 --bandwidth=$((64 << 20)) || return 1
	# Dirty-sync count 2: the first pass over all of RAM is done (our
	# buffer sent once).  From then on 8 MiB/s (set in the same breath):
	# each later pass takes seconds, so it always finds pages to resend.
	if ! mig_wait active 120 --min-sync 2 --then-set '{"max-bandwidth": 8388608}'; then
		echo "FAIL first-ram-pass: $(mig_why)"
		return 1
	fi
	mig_note_times
}

step_migrate_finish() {
	local info status
	info=$(mig_qmp "$MIG_ACTIVE" query-migrate)
	status=$(echo "$info" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
	# The guest read its buffer while the migration was still going on.
	if [ "$status" = active ]; then
		echo "PASS reads-during-migration"
	else
		echo "FAIL reads-during-migration: migration status '$status' before the guest's reads ended"
	fi
	mig_set '{"downtime-limit": 300, "max-bandwidth": 1073741824}'
	if ! mig_wait completed 180; then
		echo "FAIL migration: $(mig_why)"
		return 1
	fi
	mig_switch migrated
}

host_check() {
	. "$TB_DIR/host-check-lib.sh"
	expect pattern-file "$("$PROGS_DIR/vt-pattern" 11 0 67108864 | sum /dev/stdin)" "$(sum "$1/dirty.dat")"
}
