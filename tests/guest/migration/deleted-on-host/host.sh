# shellcheck shell=bash
# deleted-on-host: the host side (sourced by migrate.sh).
host_setup() {
	"$PROGS_DIR/vt-pattern" 31 0 16384 > "$1/keep.bin"
	"$PROGS_DIR/vt-pattern" 32 0 16384 > "$1/doomed.bin"
}

step_delete_then_migrate_abort() {
	local s=$1
	rm "$s/doomed.bin"
	mig_snapshot "$s" > "$TB_TEST_TMP/before-abort.snap"
	mig_dest_start --migration-on-error=abort || return 1
	mig_migrate || return 1
	if mig_wait failed 120; then
		echo "PASS migration-aborted"
		echo "NOTE aborted: $(mig_why)"
	else
		echo "FAIL migration-aborted: $(mig_why)"
	fi
	mig_expect_source_runs source-runs-after-abort
	mig_drop_dest
	mig_snapshot "$s" > "$TB_TEST_TMP/after-abort.snap"
	if cmp -s "$TB_TEST_TMP/before-abort.snap" "$TB_TEST_TMP/after-abort.snap"; then
		echo "PASS share-untouched-by-abort"
	else
		echo "FAIL share-untouched-by-abort: $(diff "$TB_TEST_TMP/before-abort.snap" "$TB_TEST_TMP/after-abort.snap" | head -n 5 | tr '\n' '|')"
	fi
}

step_migrate_guest_error() {
	mig_migrate_to_new_dest migrated-with-guest-error --migration-on-error=guest-error
}

host_check() {
	. "$TB_DIR/host-check-lib.sh"
	local s=$1 p=$PROGS_DIR/vt-pattern
	expect kept-file "$({ "$p" 31 0 8192; "$p" 33 8192 4096; "$p" 31 12288 4096; "$p" 34 16384 4096; } | sum /dev/stdin)" "$(sum "$s/keep.bin")"
	expect share-listing "keep.bin made-on-dest.txt made-on-source.txt" "$(cd "$s" && echo *)"
}
