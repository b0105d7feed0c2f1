# shellcheck shell=dash
# virtio-mem (a virtio-mem-pci device, the alternative to DIMMs Kata
# Containers can use) carries virtio-fs I/O while it grows and shrinks: /init
# loads virtio_mem (the modules file), the host step "grow" raises the
# device's requested-size, the guest plugs that much memory and onlines it
# in ZONE_MOVABLE (kernel-args), and the daemon serves requests whose
# buffers lie in it: O_DIRECT writes and reads from a buffer whose pages
# pagemap shows in the device's memory (vt-dimmio), and buffered I/O whose
# page cache takes the Movable zone's free pages.  Then "shrink" asks for
# less, the guest unplugs it, and the same I/O runs again.  On QEMU >= 8.2
# (qemu-args-current: dynamic-memslots) the daemon sees the device's memory
# slots come and go (ADD_MEM_REG / REM_MEM_REG) while the guest runs.
. /guest-lib.sh
cd /mnt || exit 1

# shellcheck disable=SC2046 # the words of the sizes file
set -- $(grep -v '^#' /test/sizes)
grow=$1 shrink=$2
# The buffered file (MiB) and the O_DIRECT buffer (MiB) of each round.
# shellcheck disable=SC2034 # read by /memory-lib.sh
FILE_MIB=32
# shellcheck disable=SC2034
DIRECT_MIB=16

. /memory-lib.sh

expect virtio-mem-driver yes "$([ -d /sys/bus/virtio/drivers/virtio_mem ] && echo yes)"
echo "NOTE memory block size $((0x$(cat /sys/devices/system/memory/block_size_bytes) >> 20)) MiB"
mem0=$(memtotal)
memtotal_after grow memtotal-grown "$grow"
plugged_checks "$grow" "$mem0"

io_round 1
give_back
memtotal_after shrink memtotal-shrunk $((shrink - grow))

io_round 2
# w2.dat and d2.dat stay for host-check.sh.
