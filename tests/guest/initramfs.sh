#!/bin/bash
# Builds the guest's initramfs.  Source it and call:
#   initramfs_base          the stack's base archive (busybox, kernel modules,
#                           /init), cached by the hash of its inputs; sets
#                           INITRAMFS_BASE
#   initramfs_progs         the static helpers of progs/, cached by the hash of
#                           their sources; sets PROGS_DIR
#   initramfs_test OUT SCRIPT [DIR]
#                           a per-test archive: SCRIPT as /test.sh, DIR's files
#                           under /test/, guest-lib.sh, memory-lib.sh and the helpers, and the
#                           kernel modules DIR/modules names (with the modules
#                           they depend on) for /init to load
# The kernel unpacks concatenated archives in order, so the initrd of a test is
# `cat BASE TEST`.  Run directly, `initramfs.sh [--stack=floor|current]` prints the
# base archive's path.

INITRAMFS_SH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$INITRAMFS_SH_DIR/kernel.sh"

BUSYBOX=${BUSYBOX:-/bin/busybox}
PROGS_CFLAGS="-static -O2 -s -Wall -Wextra -Werror"

# Writes a newc cpio of the current directory to $1.  Uncompressed: under
# TCG the guest's gunzip of a test's ~15 MB took about a second of each boot,
# while QEMU loads the larger file in no time.
initramfs_pack_cwd() {
	find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 > "$1"
}

initramfs_base() {
	kernel_fetch
	local m mods=() key
	for m in $STACK_MODULES; do
		[ -f "$KERNEL_MODDIR/$m.ko" ] || { echo "initramfs: no module $m.ko in $KERNEL_PKG" >&2; return 1; }
		mods+=("$KERNEL_MODDIR/$m.ko")
	done
	key=$( { echo "$STACK_NAME $KERNEL_PKG $STACK_MODULES"
		cat "$BUSYBOX" "$INITRAMFS_SH_DIR/init" "${mods[@]}"; } | sha256sum | cut -c1-16)
	INITRAMFS_BASE=$STACK_CACHE/initramfs/base-$key.cpio
	[ -s "$INITRAMFS_BASE" ] && return 0

	echo "initramfs: building $INITRAMFS_BASE" >&2
	mkdir -p "$STACK_CACHE/initramfs"
	local stage tmp
	stage=$(mktemp -d)
	tmp=$(mktemp "$INITRAMFS_BASE.XXXXXX")
	(
		cd "$stage"
		mkdir -p bin sbin usr/bin usr/sbin proc sys dev mnt tmp etc/testbed lib/modules
		cp "$BUSYBOX" bin/busybox
		local applet
		for applet in $(bin/busybox --list-full); do
			[ -e "$applet" ] || ln -s /bin/busybox "$applet"
		done
		install -m 755 "$INITRAMFS_SH_DIR/init" init
		: > etc/testbed/modules
		for m in $STACK_MODULES; do
			cp "$KERNEL_MODDIR/$m.ko" lib/modules/
			basename "$m" >> etc/testbed/modules
		done
		initramfs_pack_cwd "$tmp"
	)
	rm -rf "$stage"
	chmod 644 "$tmp"
	mv "$tmp" "$INITRAMFS_BASE"
	# Drop archives built from older inputs.
	# Old bases only: a run from another tree may be using a newer one.
	find "$STACK_CACHE/initramfs" -name 'base-*.cpio*' ! -path "$INITRAMFS_BASE" -mmin +240 -delete
}

initramfs_progs() {
	local src=$INITRAMFS_SH_DIR/progs key p
	key=$( { echo "$PROGS_CFLAGS"; cat "$src"/*.c "$src"/*.h; } | sha256sum | cut -c1-16)
	PROGS_DIR=$TESTBED_CACHE/progs/$key
	[ -e "$PROGS_DIR/.built" ] && return 0
	echo "initramfs: compiling guest helpers into $PROGS_DIR" >&2
	mkdir -p "$TESTBED_CACHE/progs"
	local tmp
	tmp=$(mktemp -d "$TESTBED_CACHE/progs/tmp.XXXXXX")
	for p in "$src"/*.c; do
		# shellcheck disable=SC2086 # flags split into words on purpose
		gcc $PROGS_CFLAGS -o "$tmp/$(basename "$p" .c)" "$p"
	done
	touch "$tmp/.built"
	chmod 755 "$tmp"
	# Another run may have built the same key meanwhile: keep the first.
	mv -T "$tmp" "$PROGS_DIR" 2>/dev/null || rm -rf "$tmp"
}

# initramfs_copy_binaries STAGE LIST: the host binaries named in LIST (one
# path a line) go to STAGE/bin, and the shared libraries ldd finds for them
# (with the loader) to the same paths under STAGE, so dynamic programs from
# Debian (stress-ng, fio) run in the busybox guest.
initramfs_copy_binaries() {
	local stage=$1 list=$2 bin lib
	while read -r bin; do
		[ -n "$bin" ] || continue
		install -m 755 "$bin" "$stage/bin/$(basename "$bin")"
		for lib in $(ldd "$bin" | grep -oE '/[^ ]+'); do
			mkdir -p "$stage$(dirname "$lib")"
			cp -L "$lib" "$stage$lib"
		done
	done < "$list"
}

# initramfs_module_file NAME: the path of module NAME (.ko or .ko.xz; '-'
# and '_' alike) in the stack's kernel, empty when there is none.
initramfs_module_file() {
	local n=${1//-/_}
	find "$KERNEL_MODDIR" \( -name "$n.ko" -o -name "$n.ko.xz" -o -name "${n//_/-}.ko" \
		-o -name "${n//_/-}.ko.xz" \) -print -quit
}

# initramfs_test_modules STAGE LIST: the modules LIST names (one a line, '#'
# comments) and those they depend on (the depends= of their .modinfo, the
# kernel package having no modules.dep), dependencies first, minus the
# stack's own STACK_MODULES (already loaded by then), go uncompressed to
# STAGE/lib/modules/test/ and their names in load order to
# STAGE/etc/testbed/test-modules, which /init loads after the stack's.
initramfs_test_modules() {
	local stage=$1 list=$2 name
	local -a order=()
	local -A seen=()
	# initramfs_add_module NAME: NAME's dependencies, then NAME.
	initramfs_add_module() {
		local n=${1//-/_} f dep deps
		[ -z "${seen[$n]:-}" ] || return 0
		seen[$n]=1
		local m
		for m in $STACK_MODULES; do
			[ "$(basename "$m")" != "$n" ] || return 0
		done
		f=$(initramfs_module_file "$n")
		[ -n "$f" ] || { echo "initramfs: no module $n in $KERNEL_PKG" >&2; return 1; }
		mkdir -p "$stage/lib/modules/test"
		case "$f" in
		*.xz) xz -dc "$f" > "$stage/lib/modules/test/$n.ko" ;;
		*) cp "$f" "$stage/lib/modules/test/$n.ko" ;;
		esac
		deps=$(tr '\0' '\n' < "$stage/lib/modules/test/$n.ko" | sed -n 's/^depends=//p' | head -n 1)
		for dep in ${deps//,/ }; do
			initramfs_add_module "$dep" || return 1
		done
		order+=("$n")
	}
	while read -r name; do
		case "$name" in ''|'#'*) continue ;; esac
		initramfs_add_module "$name" || return 1
	done < "$list"
	mkdir -p "$stage/etc/testbed"
	printf '%s\n' "${order[@]+"${order[@]}"}" > "$stage/etc/testbed/test-modules"
}

initramfs_test() {
	local out=$1 script=$2 dir=${3:-}
	initramfs_progs
	local stage
	stage=$(mktemp -d)
	mkdir -p "$stage/bin" "$stage/test"
	if [ -n "$dir" ] && [ -f "$dir/modules" ]; then
		initramfs_test_modules "$stage" "$dir/modules" || { rm -rf "$stage"; return 1; }
	fi
	install -m 755 "$script" "$stage/test.sh"
	install -m 644 "$INITRAMFS_SH_DIR/guest-lib.sh" "$stage/guest-lib.sh"
	install -m 644 "$INITRAMFS_SH_DIR/memory-lib.sh" "$stage/memory-lib.sh"
	cp "$PROGS_DIR"/vt-* "$stage/bin/"
	[ -n "$dir" ] && cp -r "$dir"/. "$stage/test/"
	[ -n "$dir" ] && [ -f "$dir/guest-binaries" ] && initramfs_copy_binaries "$stage" "$dir/guest-binaries"
	(cd "$stage" && initramfs_pack_cwd "$out")
	rm -rf "$stage"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	stack=floor
	for arg in "$@"; do
		case "$arg" in
		--stack=*) stack=${arg#--stack=} ;;
		*) echo "usage: $0 [--stack=floor|current]" >&2; exit 2 ;;
		esac
	done
	stack_load "$stack"
	mkdir -p "$STACK_CACHE"
	initramfs_base
	echo "$INITRAMFS_BASE"
fi
