# shellcheck shell=dash
# Files written and read back through the shell: 20 creates, 20 opens, 40
# closes.  host-check.sh counts the FLUSH requests the daemon got for them.
. /guest-lib.sh
cd /mnt
mkdir flushes
i=0
while [ $i -lt 20 ]; do
	echo "file $i" > "flushes/f$i"
	i=$((i + 1))
done
i=0 bad=
while [ $i -lt 20 ]; do
	[ "$(cat "flushes/f$i")" = "file $i" ] || bad="$bad f$i"
	i=$((i + 1))
done
expect written-read-back "" "$bad"
