# shellcheck shell=dash
# Parallel workloads, for comparing request-queue counts (bench/multiqueue.sh):
# fio with 2 jobs (one per vCPU) doing 4 KiB random reads and writes with
# O_DIRECT, and two untars of the same tree side by side.
. /guest-lib.sh
secs=10
uptime_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
for j in 0 1; do
	fio --name=layout --filename=/mnt/fio.$j --size=64M --rw=write --bs=1M \
		--direct=1 --output=/dev/null || fail fio-layout "fio could not lay out the file"
done
job() {
	local name=$1 field=$2
	shift 2
	# Two jobs, each on its own file; group_reporting sums their IOPS.
	if fio --name="$name" --directory=/mnt --filename_format='fio.$jobnum' --size=64M --direct=1 \
		--numjobs=2 --group_reporting --time_based --runtime="${secs}s" \
		--output-format=terse --terse-version=3 "$@" > "/tmp/$name.terse" 2>&1; then
		echo "BENCH fio-2jobs-$name $(cut -d';' -f"$field" "/tmp/$name.terse" | head -n 1) iops"
		pass "fio-2jobs-$name"
	else
		fail "fio-2jobs-$name" "$(tail -n 2 "/tmp/$name.terse")"
	fi
}
job randread-4k-qd1 8 --rw=randread --bs=4k --ioengine=psync
job randwrite-4k-qd1 49 --rw=randwrite --bs=4k --ioengine=psync
job randread-4k-qd16 8 --rw=randread --bs=4k --ioengine=libaio --iodepth=16
rm -f /mnt/fio.0 /mnt/fio.1

mkdir -p /mnt/t0 /mnt/t1
t0=$(uptime_cs)
tar xzf /mnt/src.tgz -C /mnt/t0 & p0=$!
tar xzf /mnt/src.tgz -C /mnt/t1 & p1=$!
wait $p0 && wait $p1 || fail untar-2x "an untar failed"
t1=$(uptime_cs)
echo "BENCH untar-2x $(( (t1 - t0) / 100 )).$(printf '%02d' $(( (t1 - t0) % 100 ))) s"
expect untar-2x-files "$(find /mnt/t0 -type f | wc -l)" "$(find /mnt/t1 -type f | wc -l)"
rm -rf /mnt/t0 /mnt/t1
