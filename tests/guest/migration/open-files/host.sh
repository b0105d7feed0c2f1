# shellcheck shell=bash
# open-files: the host side (sourced by migrate.sh).
host_setup() {
	local s=$1 i
	mkdir "$s/data" "$s/dir" "$s/sub"
	"$PROGS_DIR/vt-pattern" 1 0 1048576 > "$s/data/r.bin"
	"$PROGS_DIR/vt-pattern" 3 0 4000 > "$s/data/a.log"
	"$PROGS_DIR/vt-pattern" 6 0 8192 > "$s/data/rw.bin"
	for i in $(seq -f '%03g' 0 599); do
		: > "$s/dir/entry-with-a-longer-name-$i"
	done
	# A submount: a tmpfs inside the share (announced to the guest).
	mount -t tmpfs -o size=16m vt-migrate-sub "$s/sub"
	"$PROGS_DIR/vt-pattern" 4 0 131072 > "$s/sub/s.bin"
}

host_cleanup() {
	! mountpoint -q "$1/sub" || umount "$1/sub"
}

step_migrate() {
	mig_migrate_to_new_dest migrated
}

host_check() {
	. "$TB_DIR/host-check-lib.sh"
	local s=$1
	expect written "$("$PROGS_DIR/vt-pattern" 2 0 500000 | sum /dev/stdin)" "$(sum "$s/data/w.bin")"
	expect appended "$("$PROGS_DIR/vt-pattern" 3 0 6000 | sum /dev/stdin)" "$(sum "$s/data/a.log")"
	expect read-file-untouched "$("$PROGS_DIR/vt-pattern" 1 0 1048576 | sum /dev/stdin)" "$(sum "$s/data/r.bin")"
	expect rdwr "$("$PROGS_DIR/vt-pattern" 6 0 8192 | sum /dev/stdin)" "$(sum "$s/data/rw.bin")"
	expect submount-file "$("$PROGS_DIR/vt-pattern" 4 0 135168 | sum /dev/stdin)" "$(sum "$s/sub/s.bin")"
	expect submount-new-file after "$(cat "$s/sub/new.txt")"
	expect dir-entries 600 "$(ls "$s/dir" | wc -l)"
}
