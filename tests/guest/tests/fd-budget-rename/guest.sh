# shellcheck shell=dash
# The host renames, deletes, replaces and swaps files whose descriptors the
# daemon has evicted (--inode-fd-cache=16, cache=always so the guest keeps
# using its dentries): reading any of them gives that inode's own content
# or ESTALE/ENOENT, never another file's; once the guest forgets, it sees
# the new names.  Each file holds its own host inode number.
. /guest-lib.sh
vt-walk inos /mnt/r /mnt/r/sub > /tmp/before
expect known-files 350 "$(wc -l < /tmp/before)"
host_step mutate
out=$(vt-walk recheck /tmp/before)
echo "$out"
last=$(echo "$out" | tail -n 1)
echo "NOTE recheck after host changes: $last"
expect no-wrong-content "other=0 wrong=0" "$(echo "$last" | grep -o 'other=.*')"
drop_caches
ino_of() { sed -n "s|^$1 \([0-9]*\) .*|\1|p" /tmp/before; }
expect new-name-renamed "$(ino_of /mnt/r/f000)" "$(cat /mnt/r/moved-f000)"
check_not new-name-deleted test -e /mnt/r/f001
expect new-name-replaced "$(field /mnt/r/f002 ino)" "$(cat /mnt/r/f002)"
expect new-name-swapped "$(ino_of /mnt/r/f004)" "$(cat /mnt/r/f003)"
expect new-name-rotated "$(ino_of /mnt/r/f150)" "$(cat /mnt/r/f149)"
expect new-name-folder "$(ino_of /mnt/r/sub/s07)" "$(cat /mnt/r/sub2/s07)"
