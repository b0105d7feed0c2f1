# shellcheck shell=dash
# Guest memory the daemon writes during a migration must reach the
# destination (dirty-page logging, VHOST_USER_F_LOG_ALL + the log region).
#  1. A 64 MiB buffer is filled with 0x5a, and the host starts a migration
#     that cannot converge until told (a 1 ms downtime limit while
#     vt-dirtier rewrites 16 MiB in a loop), and waits for the end of the
#     first pass over RAM (every page, our buffer too, sent once).
#  2. The guest reads a 64 MiB pattern file into that buffer with O_DIRECT:
#     the daemon writes the guest pages directly (FUSE_READ replies).
#  3. The host lets the migration converge and switches over; on the
#     destination the buffer must hold the pattern: a page the daemon did not
#     log still holds 0x5a there ("stale").
# Meanwhile fio writes and verifies (--verify=crc32c) an O_DIRECT file in a
# loop, so requests are in flight across the switch.
. /guest-lib.sh
SIZE=67108864
fds_start
fds_ok open-direct open 0 dirty.dat +ctD
fds_ok pattern-buffer buf $SIZE 0
fds_ok write-pattern-file bufwrite 0 11
fds_ok fill-buffer buf $SIZE 90

: > /tmp/fio.runs
(
	i=0
	while [ ! -e /tmp/fio.stop ]; do
		i=$((i + 1))
		echo "start $i" >> /tmp/fio.runs
		fio --name=mig --filename=/mnt/fio.dat --size=32M --bs=64k --rw=randwrite \
			--direct=1 --ioengine=psync --verify=crc32c --verify_fatal=1 \
			--do_verify=1 > "/tmp/fio.$i.log" 2>&1
		echo "end $i rc=$?" >> /tmp/fio.runs
	done
) &
fio_loop=$!
# At least one fio run under way before the migration starts.
while ! grep -q '^start' /tmp/fio.runs; do sleep 0.1; done

# Memory rewritten all the time keeps the migration from converging.
vt-dirtier 16 &
dirtier=$!
host_step migrate-start
fds_ok read-during-migration bufread 0
kill $dirtier
wait $dirtier 2> /dev/null
echo "NOTE fio runs before the switch: $(tr '\n' ' ' < /tmp/fio.runs)"
host_step migrate-finish

# On the destination.
fds_ok buffer-after-migration bufcheck 11
echo "NOTE fio runs after the switch: $(tr '\n' ' ' < /tmp/fio.runs)"
# Let the run going across the switch finish, and one more start after.
n=$(grep -c '^start' /tmp/fio.runs)
while [ "$(grep -c '^start' /tmp/fio.runs)" -le "$n" ]; do sleep 0.2; done
touch /tmp/fio.stop
wait $fio_loop
runs=$(grep -c '^end' /tmp/fio.runs)
bad=$(grep '^end' /tmp/fio.runs | grep -vc 'rc=0$')
expect fio-verify-runs-ok 0 "$bad"
[ "$bad" = 0 ] || for f in /tmp/fio.*.log; do grep -iE 'verify|err|bad' "$f" | head -n 5; done
echo "NOTE fio runs: $runs, all: $(tr '\n' ' ' < /tmp/fio.runs)"
expect fio-ran-across-switch yes "$([ "$runs" -ge 2 ] && echo yes)"
# The file itself, read again through the destination daemon.
fds_ok fill-again buf $SIZE 90
fds_ok reread-after bufread 0
fds_ok reread-check bufcheck 11
fds_ok close close 0
fds_stop
