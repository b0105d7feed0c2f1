# shellcheck shell=dash
# Sourced by the memory hot-plug tests' guest.sh (memory-hotplug: DIMMs;
# memory-virtio-mem): MemTotal and the Movable zone, and a round of I/O whose
# buffers lie in the plugged memory (ZONE_MOVABLE: memhp_default_state=
# online_movable), checked.  The caller sets FILE_MIB and DIRECT_MIB and
# has sourced /guest-lib.sh.

memtotal() { awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo; }
# movable FIELD: the Movable zone's free, present or managed pages.
movable() {
	awk -v f="$1" '/^Node / { z = $4 }
		z == "Movable" && (($1 == "pages" && $2 == f) || $1 == f) { print $NF; found = 1; exit }
		END { if (!found) print 0 }' /proc/zoneinfo
}
# movable_base: the lowest address of an online block in ZONE_MOVABLE (the
# plugged memory: boot RAM is never Movable here), 0 when there is none.
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
# wait_memtotal KB SECONDS: until MemTotal is KB (the memory online or gone).
wait_memtotal() {
	local i=0
	while [ "$(memtotal)" -ne "$1" ] && [ $i -lt $(($2 * 5)) ]; do
		sleep 0.2
		i=$((i + 1))
	done
}
# kernel_said: the kernel's last lines on memory hot-plug, on one line.
kernel_said() {
	dmesg | grep -iE 'add_memory|unaligned hotplug|offlin|eject|pnp0c80|virtio_mem' |
		tail -n 4 | tr '\n' '|'
}

# io_round R: buffered I/O of FILE_MIB MiB (w$R.dat) and O_DIRECT I/O of
# DIRECT_MIB MiB (d$R.dat) with seed R, checked; the Movable zone's free
# pages sampled meanwhile.
io_round() {
	local r=$1 base free0 low out want
	sync
	echo 3 > /proc/sys/vm/drop_caches
	base=$(movable_base)
	# Nothing plugged: no page can count as in it.
	[ "$base" -ne 0 ] || base=$((1 << 62))
	free0=$(movable free)
	rm -f /tmp/free.log
	touch /tmp/sampling
	(while [ -e /tmp/sampling ]; do movable free >> /tmp/free.log; sleep 0.2; done) &
	local sampler=$!

	check "buffered-write-$r" sh -c "vt-pattern $r 0 $((FILE_MIB << 20)) > w$r.dat"
	out=$(vt-dimmio write "d$r.dat" "$DIRECT_MIB" "$r" "$base" 2>&1)
	expect_high "direct-write-$r" "$out"
	sync
	echo 3 > /proc/sys/vm/drop_caches
	out=$(vt-dimmio read "d$r.dat" "$DIRECT_MIB" "$r" "$base" 2>&1)
	expect_high "direct-read-$r" "$out"
	# Read through the page cache (its pages in the Movable zone first).
	want=$(vt-pattern "$r" 0 $((FILE_MIB << 20)) | md5sum | cut -d' ' -f1)
	expect "buffered-read-$r" "$want" "$(md5sum "w$r.dat" | cut -d' ' -f1)"
	movable free >> /tmp/free.log

	rm -f /tmp/sampling
	wait "$sampler"
	low=$(sort -n /tmp/free.log | head -n 1)
	echo "NOTE round $r: Movable zone free pages $free0 before, $low at the lowest, $(movable free) after"
	# Half the buffered file at least: the page cache of the read did.
	if [ $((free0 - low)) -ge $((FILE_MIB * 256 / 2)) ]; then
		pass "movable-zone-used-$r"
	else
		fail "movable-zone-used-$r" "free pages dropped by $((free0 - low)), want >= $((FILE_MIB * 256 / 2)) (before $free0, lowest $low)"
	fi
}

# expect_high NAME OUT: vt-dimmio's "OK pages=N high=H" with H >= 90 % of N.
expect_high() {
	local pages high
	pages=$(echo "$2" | sed -n 's/^OK pages=\([0-9]*\) high=.*/\1/p')
	high=$(echo "$2" | sed -n 's/^OK pages=[0-9]* high=\([0-9]*\)$/\1/p')
	if [ -z "$pages" ] || [ -z "$high" ]; then
		fail "$1" "$2"
	elif [ $((high * 10)) -lt $((pages * 9)) ]; then
		fail "$1" "only $high of the buffer's $pages pages in the plugged memory"
	else
		pass "$1"
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

# plugged_checks MIB MEM0: the Movable zone manages MIB MiB, all above the
# boot RAM (MEM0 kB of MemTotal before anything was plugged).
plugged_checks() {
	expect movable-managed "$(($1 * 256))" "$(movable managed)"
	expect movable-base-above-boot-ram yes "$([ "$(movable_base)" -ge $(($2 * 1024)) ] && echo yes)"
}

# give_back: round 1's files go and nothing stays dirty or cached, so that
# the guest can offline plugged memory.
give_back() {
	rm -f w1.dat d1.dat
	sync
	echo 3 > /proc/sys/vm/drop_caches
}
