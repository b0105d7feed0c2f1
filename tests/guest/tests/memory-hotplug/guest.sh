# shellcheck shell=dash
# Memory hot-plugged into the running guest (as Kata Containers grows a
# sandbox) carries virtio-fs I/O: the host step plugs COUNT DIMMs (the
# dimms file; 12, more than the 8 memory regions a vhost-user back-end
# without CONFIGURE_MEM_SLOTS may have), the guest onlines them in
# ZONE_MOVABLE (kernel-args), and then the daemon serves requests whose
# buffers lie in them: O_DIRECT reads and writes from a buffer whose pages
# pagemap shows in the DIMMs, and buffered writes and reads whose page cache
# fills the Movable zone (its free pages drop).  Then two DIMMs are
# unplugged (the guest offlines and ejects them) and the same I/O runs again.
. /guest-lib.sh
cd /mnt || exit 1

# shellcheck disable=SC2046 # the words of the dimms file
set -- $(grep -v '^#' /test/dimms)
count=$1 mib=$2
shift 2
unplug_n=$#
# The buffered file (MiB) and the O_DIRECT buffer (MiB) of each round.
# shellcheck disable=SC2034 # read by /memory-lib.sh
FILE_MIB=64
# shellcheck disable=SC2034
DIRECT_MIB=32

. /memory-lib.sh

block=$((0x$(cat /sys/devices/system/memory/block_size_bytes) >> 20))
echo "NOTE memory block size $block MiB"
mem0=$(memtotal)
memtotal_after plug memtotal-plugged $((count * mib))
plugged_checks $((count * mib)) "$mem0"

io_round 1
give_back
memtotal_after unplug memtotal-unplugged $((-unplug_n * mib))

io_round 2
# w2.dat and d2.dat stay for host-check.sh.
