# shellcheck shell=dash
# Untar a source tree of a few thousand files onto the mount, then
# `find | wc -l` and `rm -rf`, each timed (centiseconds of /proc/uptime).
. /guest-lib.sh
uptime_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
timed() {
	local name=$1 t0 t1
	shift
	t0=$(uptime_cs)
	"$@" > /tmp/out 2>&1 || fail "$name" "$(tail -n 2 /tmp/out)"
	t1=$(uptime_cs)
	echo "BENCH $name $(( (t1 - t0) / 100 )).$(printf '%02d' $(( (t1 - t0) % 100 ))) s"
}
mkdir -p /mnt/tree
timed untar tar xzf /mnt/src.tgz -C /mnt/tree
timed find-wc sh -c 'find /mnt/tree | wc -l > /tmp/count'
expect untar-entries "$(tar tzf /mnt/src.tgz | grep -vc '/$')" "$(find /mnt/tree ! -type d | wc -l)"
timed rm-rf rm -rf /mnt/tree
