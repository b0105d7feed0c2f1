# shellcheck shell=dash
# Two daemons side by side in one guest (run.sh --second): the share of the
# first at /mnt, the second's (tag "second") at /mnt2.  Each workload runs
# on one mount and then the other, the order swapped every round (the
# metadata phases alternate by chunks of 250 files), so the two values of a
# pair are measured seconds apart on the same guest.  Prints
# "BENCH NAME VALUE UNIT first|second" lines; the workloads are those of
# bench/guest/fio, meta and untar (/test/benches picks some).
. /guest-lib.sh
mkdir -p /mnt2
mount -t virtiofs second /mnt2 || { fail mount-second "no second virtio-fs device"; exit 0; }
# Everything on vCPU 0, both devices' interrupts included: otherwise a
# completion may land on the other vCPU than the waiting task (an IPI more
# under TCG), and which device's does is a matter of position, not daemon.
# (Managed interrupts refuse the move: virtio-fs on Linux 6.12, even with
# one request queue; checked below.)
taskset -p 1 $$ > /dev/null
for irq in $(awk '/virtio/ { sub(":", "", $1); print $1 }' /proc/interrupts); do
	echo 1 > "/proc/irq/$irq/smp_affinity" 2> /dev/null || true
done
echo "NOTE virtio interrupts: $(awk '/virtio/ { printf "%s %s %s %s; ", $1, $2, $3, $NF }' /proc/interrupts)"
# Where the kernel refused, one device's completions land on another vCPU
# than the other's, and the ratios measure that placement, not the daemons
# (an A/A run on Linux 6.12 read 0.8 at depth 1 and 2.0 at 16 in flight).
unpinned=
# (With one vCPU online, every interrupt is on vCPU 0, whatever its mask.)
[ "$(cat /sys/devices/system/cpu/online)" = 0 ] ||
for irq in $(awk '/virtio[0-9]*-requests/ { sub(":", "", $1); print $1 }' /proc/interrupts); do
	# (The affinity asked for: the effective one follows at the next interrupt.)
	cpus=$(cat "/proc/irq/$irq/smp_affinity_list")
	[ "$cpus" = 0 ] || unpinned="${unpinned}irq $irq on vCPUs $cpus; "
done
[ -z "$unpinned" ] || fail interrupts-pinned "${unpinned}not 0 (managed interrupts): the two mounts are not placed alike"
secs=$(cat /test/seconds)
rounds=$(cat /test/rounds)
benches=$(cat /test/benches)

# side MOUNT: the label of a mount's lines.
side() { [ "$1" = /mnt ] && echo first || echo second; }

fio_job() {
	local m=$1 name=$2 field=$3
	shift 3
	if fio --name="$name" --filename="$m/fio.dat" --size=64M --direct=1 \
		--time_based --runtime="${secs}s" --output-format=terse --terse-version=3 \
		"$@" > "/tmp/$name.terse" 2>&1; then
		# terse v3: field 8 = read IOPS, field 49 = write IOPS
		echo "BENCH fio-$name $(cut -d';' -f"$field" "/tmp/$name.terse" | head -n 1) iops $(side "$m")"
	else
		fail "fio-$name-$(side "$m")" "$(tail -n 2 "/tmp/$name.terse")"
	fi
}

uptime_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
timed() {
	local m=$1 name=$2 t0 t1
	shift 2
	t0=$(uptime_cs)
	"$@" > /tmp/out 2>&1 || fail "$name-$(side "$m")" "$(tail -n 2 /tmp/out)"
	t1=$(uptime_cs)
	echo "BENCH $name $(( (t1 - t0) / 100 )).$(printf '%02d' $(( (t1 - t0) % 100 ))) s $(side "$m")"
}

# Each workload on the mounts in $order (one job at a time on each).
# (fio16, fio1, fioseq: only the two jobs at 16 in flight, at 1 in flight,
# or sequential, for a quicker A/B.)
run_fio() {
	local job m
	for job in "randread-4k-qd1 8 --rw=randread --bs=4k --ioengine=psync" \
		"randwrite-4k-qd1 49 --rw=randwrite --bs=4k --ioengine=psync" \
		"randread-4k-qd16 8 --rw=randread --bs=4k --ioengine=libaio --iodepth=16" \
		"randwrite-4k-qd16 49 --rw=randwrite --bs=4k --ioengine=libaio --iodepth=16" \
		"seqread-1m 8 --rw=read --bs=1M --ioengine=psync" \
		"seqwrite-1m 49 --rw=write --bs=1M --ioengine=psync"; do
		case "${1:-}:$job" in only-qd16:*-qd16\ *|only-qd1:*-qd1\ *|only-seq:seq*|:*) ;; *) continue ;; esac
		for m in $order; do
			# shellcheck disable=SC2086 # the job's words
			fio_job "$m" $job
		done
	done
}
run_fio16() { run_fio only-qd16; }
run_fio1() { run_fio only-qd1; }
run_fioseq() { run_fio only-seq; }
# vt-meta interleaves the two mounts itself, by chunks of 250 files.
run_meta() {
	vt-meta 5000 /mnt/meta /mnt2/meta |
		sed -n 's/^\(BENCH .*\) 1$/\1 first/p; s/^\(BENCH .*\) 2$/\1 second/p'
}
run_untar() {
	local m
	for m in $order; do
		mkdir -p "$m/tree"
		timed "$m" untar tar xzf "$m/src.tgz" -C "$m/tree"
		timed "$m" find-wc sh -c "find $m/tree | wc -l > /tmp/count"
		timed "$m" rm-rf rm -rf "$m/tree"
	done
}

for m in /mnt /mnt2; do
	case " $benches " in *" fio"*)
		fio --name=layout --filename="$m/fio.dat" --size=64M --rw=write --bs=1M \
			--direct=1 --output=/dev/null || fail fio-layout "fio could not lay out $m/fio.dat" ;;
	esac
done
r=1
while [ "$r" -le "$rounds" ]; do
	order="/mnt /mnt2"
	[ $((r % 2)) -eq 0 ] && order="/mnt2 /mnt"
	for b in $benches; do
		"run_$b"
	done
	r=$((r + 1))
done
rm -f /mnt/fio.dat /mnt2/fio.dat
echo "NOTE virtio interrupts after: $(awk '/virtio/ { printf "%s %s %s %s; ", $1, $2, $3, $NF }' /proc/interrupts)"
pass same-guest
