#!/bin/bash
# Host side of the submounts tests (issue 4): builds and tears down a tree of
# N filesystems mounted in (and under) a shared directory.
#
#   submounts-tree.sh share-shared SHARE   bind SHARE on itself, shared
#   submounts-tree.sh prepare SHARE STATE  only the first tree's folders that
#                                          its direct mounts will cover
#   submounts-tree.sh build SHARE STATE    build the first tree
#   submounts-tree.sh rebuild SHARE STATE  teardown, then a second tree
#                                          (seed + 1)
#   submounts-tree.sh teardown SHARE STATE unmount it, detach, remove; fails
#                                          when a mount was busy
#   submounts-tree.sh cleanup SHARE STATE  teardown that never fails
# Environment: SUBMOUNTS_N (filesystems, default 32), SUBMOUNTS_SEED (the
# first tree's seed, default random; printed).
#
# The tree of a seed (bash's RANDOM seeded with it, so a run is reproducible):
# filesystem I (0..N-1) is XFS, ext4 or tmpfs on a loop device; the first
# 1 + RANDOM % N of them are mounted at SHARE/mI, each later one at the bottom
# of an earlier one's chain (PARENT/sub/.../mI).  Each filesystem holds a
# chain of 0-3 `sub` folders; its root and each `sub` hold a file `id` whose
# content is "fs=I kind=KIND path=PATH" (PATH relative to SHARE); SHARE/id is
# "fs=root kind=root path=id".  Each mount point holds a file `not-mounted`,
# made before the mount covers it.  SHARE/submounts.manifest describes the
# tree for the guest's checker (vt-submounts): a line "seed=S n=N", then one
# line "I KIND MOUNTPATH DEPTH" per filesystem.
#
# STATE (outside SHARE) keeps the images, `loops` (the loop devices made
# here, one "DEVICE IMAGE" a line) and `mounts` (mount points, in mount order).
# Lines "NOTE ..." on stdout are for the runner's report.
set -euo pipefail

# One XFS image is formatted per build and copied (holes kept) for each XFS
# filesystem, each copy with a new UUID: XFS refuses two mounts with the same
# UUID.  mkfs.xfs wants >= 300 MiB; the file is sparse (about 65 MiB used).
XFS_SIZE=300M
EXT4_SIZE=4M

sm_share_shared() {
	local share=$1
	# A systemd host has / shared; this machine's / is private.  The daemon
	# sees host mounts made after it started only through propagation, so
	# the share must be a shared mount (the daemon's copy becomes its slave).
	if ! findmnt -n --mountpoint "$share" > /dev/null; then
		mount --bind "$share" "$share"
	fi
	mount --make-shared "$share"
}

# sm_images STATE KIND...: one image per argument, made in parallel.
sm_images() {
	local state=$1 i=0 kind pids=() pid
	shift
	mkdir -p "$state/img"
	if printf '%s\n' "$@" | grep -qx xfs; then
		rm -f "$state/img/xfs-template"
		truncate -s "$XFS_SIZE" "$state/img/xfs-template"
		mkfs.xfs -q "$state/img/xfs-template"
	fi
	for kind in "$@"; do
		case "$kind" in
		xfs) ( cp --sparse=always "$state/img/xfs-template" "$state/img/$i.img" &&
			xfs_admin -U generate "$state/img/$i.img" > /dev/null ) & pids+=($!) ;;
		ext4) ( rm -f "$state/img/$i.img" && truncate -s "$EXT4_SIZE" "$state/img/$i.img" &&
			mkfs.ext4 -q -F "$state/img/$i.img" ) & pids+=($!) ;;
		esac
		i=$((i + 1))
		# Two cores: a few jobs at a time.
		if [ ${#pids[@]} -ge 6 ]; then
			for pid in "${pids[@]}"; do wait "$pid"; done
			pids=()
		fi
	done
	for pid in "${pids[@]+"${pids[@]}"}"; do wait "$pid"; done
	rm -f "$state/img/xfs-template"
}

# sm_mount STATE KIND IMAGE DIR I
sm_mount() {
	local state=$1 kind=$2 img=$3 dir=$4 i=$5 dev
	if [ "$kind" = tmpfs ]; then
		mount -t tmpfs -o size=4m,mode=755 "submounts-$i" "$dir"
	else
		dev=$(losetup -f --show "$img")
		echo "$dev $img" >> "$state/loops"
		mount -t "$kind" "$dev" "$dir"
	fi
	echo "$dir" >> "$state/mounts"
}

# sm_build SHARE STATE SEED N [PREPARE_ONLY]
sm_build() {
	local share=$1 state=$2 seed=$3 n=$4 prepare_only=${5:-0} start
	start=$(date +%s.%N)
	[ "$n" -ge 1 ] || { echo "submounts: N must be >= 1" >&2; return 1; }
	mkdir -p "$state"
	: > "$state/mounts"
	touch "$state/loops"
	RANDOM=$seed
	local kinds=(xfs ext4 tmpfs) i d direct parent
	local -a kind depth mpath
	direct=$((1 + RANDOM % n))
	for ((i = 0; i < n; i++)); do
		kind[i]=${kinds[RANDOM % 3]}
		depth[i]=$((RANDOM % 4))
		if [ "$i" -lt "$direct" ]; then
			mpath[i]=m$i
		else
			parent=$((RANDOM % i))
			mpath[i]=${mpath[parent]}
			for ((d = 0; d < depth[parent]; d++)); do mpath[i]+=/sub; done
			mpath[i]+=/m$i
		fi
	done
	if [ "$prepare_only" = 1 ]; then
		# The folders the direct mounts will cover, for a guest to look
		# at (and cache) before they are covered.
		for ((i = 0; i < direct; i++)); do
			mkdir -p "$share/${mpath[i]}"
			printf 'hidden by fs %s\n' "$i" > "$share/${mpath[i]}/not-mounted"
		done
		echo "NOTE submounts: prepared $direct mount points of seed=$seed"
		return 0
	fi
	sm_images "$state" "${kind[@]}"

	printf 'fs=root kind=root path=id\n' > "$share/id"
	local manifest="seed=$seed n=$n" dir rel
	for ((i = 0; i < n; i++)); do
		dir=$share/${mpath[i]}
		mkdir -p "$dir"
		printf 'hidden by fs %s\n' "$i" > "$dir/not-mounted"
		sm_mount "$state" "${kind[i]}" "$state/img/$i.img" "$dir" "$i"
		rel=${mpath[i]}
		for ((d = 0; d <= depth[i]; d++)); do
			[ "$d" -eq 0 ] || { rel=$rel/sub; mkdir "$share/$rel"; }
			printf 'fs=%s kind=%s path=%s\n' "$i" "${kind[i]}" "$rel/id" > "$share/$rel/id"
		done
		manifest+=$'\n'"$i ${kind[i]} ${mpath[i]} ${depth[i]}"
	done
	printf '%s\n' "$manifest" > "$share/submounts.manifest"
	cp "$share/submounts.manifest" "$state/manifest"
	local xfs ext4 tmpfs
	xfs=$(printf '%s\n' "${kind[@]}" | grep -cx xfs || true)
	ext4=$(printf '%s\n' "${kind[@]}" | grep -cx ext4 || true)
	tmpfs=$(printf '%s\n' "${kind[@]}" | grep -cx tmpfs || true)
	echo "NOTE submounts tree: seed=$seed n=$n direct=$direct xfs=$xfs ext4=$ext4 tmpfs=$tmpfs" \
		"built in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s"
}

# sm_teardown SHARE STATE STRICT: unmounts in reverse mount order.  STRICT=1
# fails when a filesystem is busy (a plain umount refuses; the lazy one the
# fallback does always works), STRICT=0 never fails.
sm_teardown() {
	local share=$1 state=$2 strict=$3 busy=0 m dev img
	if [ -f "$state/mounts" ]; then
		while read -r m; do
			mountpoint -q "$m" || continue
			if ! umount "$m" 2> "$state/umount.err"; then
				busy=$((busy + 1))
				[ "$busy" -gt 3 ] || echo "NOTE submounts: umount $m: $(cat "$state/umount.err"); detaching it lazily"
				umount -l "$m" || true
			fi
		done < <(tac "$state/mounts")
		[ "$busy" -eq 0 ] || echo "NOTE submounts: teardown: $busy of $(wc -l < "$state/mounts") mounts busy, detached lazily"
		rm -f "$state/mounts"
	fi
	if [ -f "$state/loops" ]; then
		while read -r dev img; do
			# Only a device still backed by our image: never someone else's.
			if [ "$(losetup -n -O BACK-FILE "$dev" 2>/dev/null)" = "$img" ]; then
				losetup -d "$dev" || true
			fi
		done < "$state/loops"
		rm -f "$state/loops"
	fi
	rm -rf "$state/img"
	if [ -d "$share" ]; then
		# Nothing may be left mounted below the share before the rm.
		if awk -v d="$(realpath "$share")" 'index($5, d "/") == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
			echo "NOTE submounts: mounts left below $share; not removing the tree"
			return 1
		fi
		rm -rf --one-file-system "$share"/m* "$share/id" "$share/submounts.manifest"
	fi
	[ "$strict" -eq 0 ] || [ "$busy" -eq 0 ]
}

# sm_seed STATE: the first tree's seed, chosen once per test.
sm_seed() {
	mkdir -p "$1"
	[ -s "$1/seed" ] || echo "${SUBMOUNTS_SEED:-$(( (RANDOM << 15) | RANDOM ))}" > "$1/seed"
	cat "$1/seed"
}

case "${1:-}" in
share-shared) sm_share_shared "$2" ;;
prepare) sm_build "$2" "$3" "$(sm_seed "$3")" "${SUBMOUNTS_N:-32}" 1 ;;
build) sm_build "$2" "$3" "$(sm_seed "$3")" "${SUBMOUNTS_N:-32}" ;;
rebuild)
	# Strict: once the guest has unmounted the share (FUSE_DESTROY) the
	# daemon must hold nothing of the old tree, so plain umounts succeed.
	sm_teardown "$2" "$3" 1
	sm_build "$2" "$3" "$(( $(sm_seed "$3") + 1 ))" "${SUBMOUNTS_N:-32}"
	;;
teardown) sm_teardown "$2" "$3" 1 ;;
cleanup) sm_teardown "$2" "$3" 0 || true ;;
*) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
