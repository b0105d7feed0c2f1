# shellcheck shell=dash
# Asynchronous O_DIRECT I/O, 16 requests in flight (fio, libaio): with
# FUSE_ASYNC_DIO the guest sends them together, so overlapping writes and
# reads of one file are in flight at once.  fio writes each block with a
# checksum and reads everything back (--verify=crc32c): no block may come
# back torn, stale or misplaced.  Sequential, random and mixed, with block
# sizes from 4 KiB to 256 KiB (requests split across pages and chains).
. /guest-lib.sh
job() {
	local name=$1
	shift
	fio --name="$name" --filename=/mnt/aio.dat --size=32M --direct=1 --ioengine=libaio \
		--iodepth=16 --verify=crc32c --verify_fatal=1 --do_verify=1 "$@" > "/tmp/$name.log" 2>&1
	local rc=$?
	if [ $rc -eq 0 ] && ! grep -qi 'verify.*bad\|crc32c.*fail' "/tmp/$name.log"; then
		pass "fio-$name"
	else
		fail "fio-$name" "exit $rc: $(grep -i 'err\|bad\|fail' "/tmp/$name.log" | head -n 2 | tr '\n' ' ')"
	fi
	rm -f /mnt/aio.dat
}
job seq-write --rw=write --bs=64k
job rand-write-4k --rw=randwrite --bs=4k
job rand-write-mixed --rw=randwrite --bsrange=4k-256k --norandommap
job rand-rw --rw=randrw --bs=16k --verify_backlog=64
