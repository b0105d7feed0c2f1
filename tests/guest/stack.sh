# shellcheck shell=bash
# Sourced.  A "stack" is the pair (guest kernel, QEMU) a test boots with.
# Everything that differs between stacks is set here, by stack_load, and used
# only through these variables:
#   STACK_NAME          the stack's name
#   STACK_CACHE         its folder in the cache (outside the source tree)
#   STACK_KERNEL_META   the meta package whose dependency names the kernel image
#   STACK_APT_SUITE     the suite to download the kernel from ("" = default)
#   STACK_QEMU          the QEMU command (an array: a later stack wraps it)
#   STACK_MODULES       kernel modules the initramfs loads, in order, relative
#                       to lib/modules/VERSION/kernel ("" when built in)

TESTBED_CACHE=${VIRTIOFSD_TESTBED_CACHE:-/var/cache/virtiofsd-testbed}

stack_load() {
	STACK_NAME=$1
	case "$STACK_NAME" in
	floor)
		# Debian bookworm as shipped: QEMU 7.2, Linux 6.1.
		STACK_KERNEL_META=linux-image-amd64
		STACK_APT_SUITE=
		STACK_QEMU=(qemu-system-x86_64)
		STACK_MODULES="drivers/virtio/virtio_ring drivers/virtio/virtio
			drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci_modern_dev
			drivers/virtio/virtio_pci fs/fuse/fuse fs/fuse/virtiofs"
		;;
	*)
		echo "unknown stack '$STACK_NAME' (known: floor)" >&2
		return 1
		;;
	esac
	STACK_CACHE=$TESTBED_CACHE/$STACK_NAME
}
