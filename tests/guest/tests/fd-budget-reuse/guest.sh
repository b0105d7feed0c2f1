# shellcheck shell=dash
# A deleted file's inode number taken by a new file on the host, while the
# guest still knows the old file and the daemon holds no descriptor of it
# (--inode-fd-cache=16): the new file must be a new guest inode (another
# nodeid, its own content), never the old file's nodeid.  ext4 reuses the
# numbers (host-step.sh checks that it did).
. /guest-lib.sh
vt-walk inos /mnt/r > /tmp/before
expect known-files 100 "$(wc -l < /tmp/before)"
host_step replace
vt-walk inos /mnt/r | grep '/g0' > /tmp/after
expect new-files 50 "$(wc -l < /tmp/after)"
# For each new file whose number an old one had: same guest handle (nodeid)?
out=$(awk 'NR == FNR { h[$2] = $3; next }
	($2 in h) { reused++; if (h[$2] == $3) same++ }
	END { printf "reused=%d same-node=%d\n", reused, same }' /tmp/before /tmp/after)
echo "NOTE $out"
reused=$(echo "$out" | sed 's/^reused=\([0-9]*\).*/\1/')
check numbers-reused test "$reused" -gt 0
expect no-old-node "same-node=0" "$(echo "$out" | grep -o 'same-node=.*')"
# Each new file serves its own content (its own number).
bad=0
for g in /mnt/r/g0*; do
	[ "$(cat "$g")" = "$(field "$g" ino)" ] || bad=$((bad + 1))
done
expect new-content 0 "$bad"
