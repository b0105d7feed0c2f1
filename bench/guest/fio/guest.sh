# shellcheck shell=dash
# fio in the guest on the virtio-fs mount: 64 MiB file, O_DIRECT, each job
# for /test/seconds seconds.  Prints "BENCH fio-JOB IOPS iops" lines.
. /guest-lib.sh
secs=$(cat /test/seconds)
# Lay the file out once so every job reads real data.
fio --name=layout --filename=/mnt/fio.dat --size=64M --rw=write --bs=1M \
	--direct=1 --output=/dev/null || fail fio-layout "fio could not lay out the file"

job() {
	local name=$1 field=$2
	shift 2
	if fio --name="$name" --filename=/mnt/fio.dat --size=64M --direct=1 \
		--time_based --runtime="${secs}s" --output-format=terse --terse-version=3 \
		"$@" > "/tmp/$name.terse" 2>&1; then
		# terse v3: field 8 = read IOPS, field 49 = write IOPS
		echo "BENCH fio-$name $(cut -d';' -f"$field" "/tmp/$name.terse" | head -n 1) iops"
		pass "fio-$name"
	else
		fail "fio-$name" "$(tail -n 2 "/tmp/$name.terse")"
	fi
}
job randread-4k-qd1 8 --rw=randread --bs=4k --ioengine=psync
job randwrite-4k-qd1 49 --rw=randwrite --bs=4k --ioengine=psync
job randread-4k-qd16 8 --rw=randread --bs=4k --ioengine=libaio --iodepth=16
job randwrite-4k-qd16 49 --rw=randwrite --bs=4k --ioengine=libaio --iodepth=16
job seqread-1m 8 --rw=read --bs=1M --ioengine=psync
job seqwrite-1m 49 --rw=write --bs=1M --ioengine=psync
rm -f /mnt/fio.dat
