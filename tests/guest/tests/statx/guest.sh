# shellcheck shell=dash
# STATX (FUSE 7.39, Linux >= 6.6 guests): the guest sees the host's birth
# time.  An older guest never sends STATX and reports no birth time.
. /guest-lib.sh
cd /mnt
kernel=$(uname -r)
echo "kernel $kernel" > btime.txt
for p in file dir link; do
	echo "$p $(vt-btime "$p")" >> btime.txt
done
case "$kernel" in
[2-5].*|6.[0-5].*) expect old-guest-no-btime "btime=none" "$(vt-btime file)" ;;
*) expect statx-btime-present "yes" "$(vt-btime file | grep -q '^btime=[0-9]' && echo yes)" ;;
esac
# The birth time stays while the file changes.
before=$(vt-btime file)
echo two >> file
expect btime-stable-after-write "$before" "$(vt-btime file)"
