# shellcheck shell=bash
# renamed-on-host: the host side (sourced by migrate.sh).
host_setup() {
	local s=$1 i
	mkdir -p "$s/d1" "$s/d2/inner" "$s/d3"
	"$PROGS_DIR/vt-pattern" 21 0 16384 > "$s/d1/held.bin"
	"$PROGS_DIR/vt-pattern" 22 0 16384 > "$s/d2/inner/f.bin"
	echo four > "$s/d1/known.txt"
	for i in $(seq -f '%03g' 0 299); do
		: > "$s/d3/n$i"
	done
}

step_migrate() {
	local s=$1
	mig_dest_start || return 1
	mig_migrate --pause || return 1
	if ! mig_wait pre-switchover; then
		echo "FAIL paused-before-switchover: $(mig_why)"
		return 1
	fi
	# The guest is stopped; the source daemon collected its paths when the
	# migration started.
	mv "$s/d1/held.bin" "$s/d1/held-renamed.bin"
	mv "$s/d2" "$s/d2-renamed"
	mv "$s/d3" "$s/d3-renamed"
	mv "$s/d1/known.txt" "$s/d1/known-renamed.txt"
	echo "NOTE renamed on the host at pre-switchover"
	mig_continue || { echo "FAIL migrate-continue: refused"; return 1; }
	if ! mig_wait completed; then
		echo "FAIL migrated: $(mig_why)"
		return 1
	fi
	mig_switch migrated
}

host_check() {
	. "$TB_DIR/host-check-lib.sh"
	local s=$1 p=$PROGS_DIR/vt-pattern
	expect renamed-file "$({ "$p" 21 0 8192; "$p" 23 8192 4096; "$p" 21 12288 4096; } | sum /dev/stdin)" "$(sum "$s/d1/held-renamed.bin")"
	expect renamed-dir-file "$({ "$p" 22 0 8192; "$p" 24 8192 4096; "$p" 22 12288 4096; } | sum /dev/stdin)" "$(sum "$s/d2-renamed/inner/f.bin")"
	expect no-file-at-old-names "" "$(cd "$s" && ls -d d1/held.bin d2 d3 d1/known.txt 2>/dev/null)"
	expect share-top "d1 d2-renamed d3-renamed" "$(cd "$s" && echo *)"
}
