#!/bin/bash
# Fetches the stack's Debian kernel image package into the cache and unpacks it
# there (reused when present).  Source it and call kernel_fetch, or run
#   tests/guest/kernel.sh [--stack=floor|current]
# which prints the path of the kernel image.
# kernel_fetch sets KERNEL_PKG, KERNEL_DIR (unpacked tree), KERNEL_IMAGE
# (vmlinuz), KERNEL_BOOT (what QEMU boots, below) and KERNEL_MODDIR
# (lib/modules/VERSION/kernel).
#
# KERNEL_BOOT is the vmlinuz's own kernel uncompressed, an ELF QEMU starts
# at its PVH entry (kernel-pvh.py, cached as vmlinux-pvh next to it): the
# guest then skips the decompressor, under TCG ~3.5 s of each boot of the
# floor's xz kernel and ~1 s of the current stack's zstd one.  It is the
# vmlinuz itself when that fails, or with TB_BZIMAGE=1.

KERNEL_SH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$KERNEL_SH_DIR/stack.sh"

# The image package the meta package depends on, e.g. linux-image-6.1.0-56-amd64.
kernel_resolve_pkg() {
	local meta=$STACK_KERNEL_META
	[ -n "$STACK_APT_SUITE" ] && meta=$meta/$STACK_APT_SUITE
	apt-cache depends "$meta" 2>/dev/null |
		awk '/^ *Depends: linux-image-/ { print $2; exit }'
}

kernel_fetch() {
	local pkg
	pkg=$(kernel_resolve_pkg)
	if [ -z "$pkg" ]; then
		if [ -n "$STACK_APT_SUITE" ]; then
			testbed_add_suites   # adds the suite, updates apt's lists
		else
			apt-get update -q >&2
		fi
		pkg=$(kernel_resolve_pkg)
	fi
	if [ -z "$pkg" ]; then
		# Offline: fall back to a kernel already in the cache.
		pkg=$(ls "$STACK_CACHE/kernel" 2>/dev/null | sort -V | tail -n 1)
		[ -n "$pkg" ] || { echo "kernel: cannot resolve $STACK_KERNEL_META" >&2; return 1; }
		echo "kernel: apt cannot resolve $STACK_KERNEL_META, using cached $pkg" >&2
	fi
	KERNEL_PKG=$pkg
	KERNEL_DIR=$STACK_CACHE/kernel/$pkg
	if [ ! -e "$KERNEL_DIR/.unpacked" ]; then
		local dl
		dl=$(mktemp -d "$STACK_CACHE/download.XXXXXX")
		local target=$pkg
		[ -n "$STACK_APT_SUITE" ] && target=$pkg/$STACK_APT_SUITE
		echo "kernel: downloading $target" >&2
		# apt drops privileges to _apt for downloads; let it write there.
		chmod 755 "$dl"
		(cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$target" >&2 2>&1)
		rm -rf "$KERNEL_DIR"
		mkdir -p "$KERNEL_DIR"
		dpkg-deb -x "$dl"/*.deb "$KERNEL_DIR"
		rm -rf "$dl"
		touch "$KERNEL_DIR/.unpacked"
	fi
	KERNEL_IMAGE=$(ls "$KERNEL_DIR"/boot/vmlinuz-* | head -n 1)
	KERNEL_MODDIR=$(ls -d "$KERNEL_DIR"/lib/modules/*/kernel | head -n 1)
	[ -f "$KERNEL_IMAGE" ] || { echo "kernel: no vmlinuz in $KERNEL_DIR" >&2; return 1; }
	KERNEL_BOOT=$KERNEL_IMAGE
	[ "${TB_BZIMAGE:-0}" = 1 ] && return 0
	local pvh=$KERNEL_DIR/vmlinux-pvh
	if [ ! -s "$pvh" ] && ! python3 "$KERNEL_SH_DIR/kernel-pvh.py" "$KERNEL_IMAGE" "$pvh"; then
		echo "kernel: booting the vmlinuz itself" >&2
		return 0
	fi
	KERNEL_BOOT=$pvh
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
	kernel_fetch
	echo "$KERNEL_IMAGE"
fi
