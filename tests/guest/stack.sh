# shellcheck shell=bash
# Sourced.  A "stack" is the pair (guest kernel, QEMU) a test boots with.
# Everything that differs between stacks is set here, by stack_load, and used
# only through these variables:
#   STACK_NAME          the stack's name
#   STACK_CACHE         its folder in the cache (outside the source tree)
#   STACK_KERNEL_META   the meta package whose dependency names the kernel image
#   STACK_APT_SUITE     the suite to download the kernel from ("" = default)
#   STACK_QEMU          the QEMU command (an array: a later stack wraps it);
#                       empty until stack_prepare_qemu when QEMU is fetched
#   STACK_QEMU_DEBS     packages stack_prepare_qemu fetches from
#                       STACK_APT_SUITE ("" = the system's QEMU)
#   STACK_MODULES       kernel modules the initramfs loads, in order, relative
#                       to lib/modules/VERSION/kernel ("" when built in)
# Stacks:
#   floor    Debian bookworm as shipped: QEMU 7.2 and Linux 6.1 (the default)
#   current  bookworm-backports: QEMU 10.0 and Linux 6.12, downloaded and
#            unpacked into the cache, not installed

STACK_SH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$STACK_SH_DIR/debs.sh"

TESTBED_CACHE=${VIRTIOFSD_TESTBED_CACHE:-/var/cache/virtiofsd-testbed}
STACK_NAMES="floor current"

stack_load() {
	STACK_NAME=$1
	case "$STACK_NAME" in
	floor)
		STACK_KERNEL_META=linux-image-amd64
		STACK_APT_SUITE=
		STACK_QEMU=(qemu-system-x86_64)
		STACK_QEMU_DEBS=
		STACK_MODULES="drivers/virtio/virtio_ring drivers/virtio/virtio
			drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci_modern_dev
			drivers/virtio/virtio_pci fs/fuse/fuse fs/fuse/virtiofs"
		;;
	current)
		STACK_KERNEL_META=linux-image-amd64
		STACK_APT_SUITE=bookworm-backports
		STACK_QEMU=()
		# The firmware QEMU 10 needs (bios-256k.bin) is seabios >= 1.16.3.
		# No NIC is configured, so no iPXE ROM is needed.  ldd finds all of
		# its shared libraries in bookworm.
		STACK_QEMU_DEBS="qemu-system-x86 qemu-system-common qemu-system-data seabios"
		# 6.12 has virtio, virtio_pci, fuse and virtiofs built in.
		STACK_MODULES=
		;;
	*)
		echo "unknown stack '$STACK_NAME' (known: $STACK_NAMES)" >&2
		return 1
		;;
	esac
	STACK_CACHE=$TESTBED_CACHE/$STACK_NAME
}

# The system QEMU's module folder: QEMU 10 loads modules from this path
# whatever QEMU_MODULE_DIR says, and aborts on the 7.2 ones it finds there.
STACK_SYSTEM_QEMU_MODULES=/usr/lib/x86_64-linux-gnu/qemu

# stack_prepare_qemu: fetches the stack's QEMU when it is not the system's
# and sets STACK_QEMU (idempotent).  The command runs QEMU in a private mount
# namespace with its own module folder bound over the system's, and points
# -L at its own firmware folders.
stack_prepare_qemu() {
	[ ${#STACK_QEMU[@]} -eq 0 ] || return 0
	local tree pkgs
	read -r -a pkgs <<< "$STACK_QEMU_DEBS"
	debs_tree tree "$STACK_CACHE/qemu" qemu "$STACK_APT_SUITE" "${pkgs[@]}" || return 1
	local bin=$tree/usr/bin/qemu-system-x86_64
	[ -x "$bin" ] || { echo "stack: no $bin" >&2; return 1; }
	if ldd "$bin" | grep -q 'not found'; then
		echo "stack: $bin misses shared libraries: $(ldd "$bin" | grep 'not found' | tr '\n' ' ')" >&2
		return 1
	fi
	[ -d "$STACK_SYSTEM_QEMU_MODULES" ] || mkdir -p "$STACK_SYSTEM_QEMU_MODULES"
	# unshare -m makes the new namespace's mounts private: the bind mount
	# never reaches the host.  sh's $1 is the module folder, the rest QEMU.
	# shellcheck disable=SC2016 # expanded by the inner sh
	STACK_QEMU=(unshare -m --propagation private -- sh -c \
		'mount --bind "$1" "$2" && shift 2 && exec "$@"' qemu-ns \
		"$tree/usr/lib/x86_64-linux-gnu/qemu" "$STACK_SYSTEM_QEMU_MODULES" \
		"$bin" -L "$tree/usr/share/qemu" -L "$tree/usr/share/seabios")
}
