# shellcheck shell=dash
# The default --kick-holdoff at 16 in flight (fio, libaio, O_DIRECT): eight
# seconds of steady random reads, long enough for the queue's trials to
# weigh the holdoff against going without, then random writes whose every
# block is checked on the way back (--verify=crc32c): held-off requests
# must come back whole and in place.
. /guest-lib.sh
fio --name=layout --filename=/mnt/kh.dat --size=32M --rw=write --bs=1M --direct=1 \
	> /tmp/layout.log 2>&1 || fail fio-layout "$(tail -n 2 /tmp/layout.log | tr '\n' ' ')"
if fio --name=steady --filename=/mnt/kh.dat --size=32M --direct=1 --ioengine=libaio \
	--iodepth=16 --rw=randread --bs=4k --time_based --runtime=8 > /tmp/steady.log 2>&1; then
	pass fio-steady-randread
else
	fail fio-steady-randread "$(grep -i err /tmp/steady.log | head -n 2 | tr '\n' ' ')"
fi
rm -f /mnt/kh.dat
fio --name=verify --filename=/mnt/kh.dat --size=32M --direct=1 --ioengine=libaio --iodepth=16 \
	--rw=randwrite --bs=4k --verify=crc32c --verify_fatal=1 --do_verify=1 > /tmp/verify.log 2>&1
rc=$?
if [ $rc -eq 0 ] && ! grep -qi 'verify.*bad\|crc32c.*fail' /tmp/verify.log; then
	pass fio-rand-write-verified
else
	fail fio-rand-write-verified "exit $rc: $(grep -i 'err\|bad\|fail' /tmp/verify.log | head -n 2 | tr '\n' ' ')"
fi
rm -f /mnt/kh.dat
