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
file_mib=32
direct_mib=16

memtotal() { awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo; }
# movable FIELD: the Movable zone's free, present or managed pages.
movable() {
	awk -v f="$1" '/^Node / { z = $4 }
		z == "Movable" && (($1 == "pages" && $2 == f) || $1 == f) { print $NF; found = 1; exit }
		END { if (!found) print 0 }' /proc/zoneinfo
}
# movable_base: the lowest address of an online block in ZONE_MOVABLE (the
# virtio-mem device's memory: boot RAM is never Movable here), 0 when there
# is none.
movable_base() {
	local bs low=0 b start
	bs=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
	for b in /sys/devices/system/memory/memory*; do
		grep -qx online "$b/state" 2> /dev/null || continue
		grep -qx Movable "$b/valid_zones" 2> /dev/null || continue
		start=$((0x$(cat "$b/phys_index") * bs))
		if [ "$low" -eq 0 ] || [ "$start" -lt "$low" ]; then low=$start; fi
	done
	echo "$low"
}
# wait_memtotal KB SECONDS: until MemTotal is KB.
wait_memtotal() {
	local i=0
	while [ "$(memtotal)" -ne "$1" ] && [ $i -lt $(($2 * 5)) ]; do
		sleep 0.2
		i=$((i + 1))
	done
}
kernel_said() {
	dmesg | grep -iE 'virtio_mem|memory|offlin' | tail -n 4 | tr '\n' '|'
}

# expect_high NAME OUT: vt-dimmio's "OK pages=N high=H" with H >= 90 % of N.
expect_high() {
	local pages high
	pages=$(echo "$2" | sed -n 's/^OK pages=\([0-9]*\) high=.*/\1/p')
	high=$(echo "$2" | sed -n 's/^OK pages=[0-9]* high=\([0-9]*\)$/\1/p')
	if [ -z "$pages" ] || [ -z "$high" ]; then
		fail "$1" "$2"
	elif [ $((high * 10)) -lt $((pages * 9)) ]; then
		fail "$1" "only $high of the buffer's $pages pages in the virtio-mem memory"
	else
		pass "$1"
	fi
}

# io_round R: buffered and O_DIRECT I/O with seed R, checked; the Movable
# zone's free pages sampled meanwhile.
io_round() {
	local r=$1 base free0 low out want
	sync
	echo 3 > /proc/sys/vm/drop_caches
	base=$(movable_base)
	# Nothing plugged: no page can count as in the device's memory.
	[ "$base" -ne 0 ] || base=$((1 << 62))
	free0=$(movable free)
	rm -f /tmp/free.log
	touch /tmp/sampling
	(while [ -e /tmp/sampling ]; do movable free >> /tmp/free.log; sleep 0.2; done) &
	local sampler=$!

	check "buffered-write-$r" sh -c "vt-pattern $r 0 $((file_mib << 20)) > w$r.dat"
	out=$(vt-dimmio write "d$r.dat" "$direct_mib" "$r" "$base" 2>&1)
	expect_high "direct-write-$r" "$out"
	sync
	echo 3 > /proc/sys/vm/drop_caches
	out=$(vt-dimmio read "d$r.dat" "$direct_mib" "$r" "$base" 2>&1)
	expect_high "direct-read-$r" "$out"
	want=$(vt-pattern "$r" 0 $((file_mib << 20)) | md5sum | cut -d' ' -f1)
	expect "buffered-read-$r" "$want" "$(md5sum "w$r.dat" | cut -d' ' -f1)"
	movable free >> /tmp/free.log

	rm -f /tmp/sampling
	wait "$sampler"
	low=$(sort -n /tmp/free.log | head -n 1)
	echo "NOTE round $r: Movable zone free pages $free0 before, $low at the lowest, $(movable free) after"
	if [ $((free0 - low)) -ge $((file_mib * 256 / 2)) ]; then
		pass "movable-zone-used-$r"
	else
		fail "movable-zone-used-$r" "free pages dropped by $((free0 - low)), want >= $((file_mib * 256 / 2)) (before $free0, lowest $low)"
	fi
}

# memtotal_after STEP NAME MIB: runs the host step STEP, waits until
# MemTotal has moved by MIB MiB (negative: less) and checks it.
memtotal_after() {
	local before after want=$(($3 * 1024))
	before=$(memtotal)
	host_step "$1"
	wait_memtotal $((before + want)) 30
	after=$(memtotal)
	echo "NOTE MemTotal $before kB before $1, $after kB after; Movable zone present $(movable present), managed $(movable managed) pages"
	if [ "$after" -eq $((before + want)) ]; then
		pass "$2"
	else
		fail "$2" "MemTotal moved by $((after - before)) kB, want $want kB ($3 MiB); kernel: $(kernel_said)"
	fi
}

expect virtio-mem-driver yes "$([ -d /sys/bus/virtio/drivers/virtio_mem ] && echo yes)"
echo "NOTE memory block size $((0x$(cat /sys/devices/system/memory/block_size_bytes) >> 20)) MiB"
mem0=$(memtotal)
memtotal_after grow memtotal-grown "$grow"
expect movable-managed "$((grow * 256))" "$(movable managed)"
expect movable-base-above-boot-ram yes "$([ "$(movable_base)" -ge $((mem0 * 1024)) ] && echo yes)"

io_round 1

# Help the guest give memory back: nothing dirty, no page cache.
rm -f w1.dat d1.dat
sync
echo 3 > /proc/sys/vm/drop_caches
memtotal_after shrink memtotal-shrunk $((shrink - grow))

io_round 2
# w2.dat and d2.dat stay for host-check.sh.
