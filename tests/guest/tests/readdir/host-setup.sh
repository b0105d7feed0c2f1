#!/bin/bash
# big: 3,000 entries; fresh: 1,000 the guest lists once, between the host
# steps; kinds: one entry of each file type; attrs: entries whose attributes
# the guest lists (sizes past 4 GiB, set-id and sticky bits, other owners,
# hard links, device numbers, times before 1970 and past 2038, nanoseconds),
# and attrs.want, what stat(1) says of them, in vt-readdir attrs' format.
set -euo pipefail
s=$1
mkdir "$s/big" "$s/fresh" "$s/kinds" "$s/attrs"
(cd "$s/big" && seq -f 'e%05g' 0 2999 | xargs touch)
(cd "$s/fresh" && seq -f 'e%05g' 0 999 | xargs touch)

k=$s/kinds
echo data > "$k/file"
mkdir "$k/dir"
ln -s file "$k/link"
mkfifo "$k/fifo"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$k/sock"
mknod "$k/chr" c 1 3
mknod "$k/blk" b 7 200

a=$s/attrs
printf '%s' 0123456789 > "$a/ten"
truncate -s 5G "$a/sparse-5g"
truncate -s 4294967297 "$a/past-4g"
echo x > "$a/links" && ln "$a/links" "$a/links-2" && ln "$a/links" "$a/links-3"
echo s > "$a/setuid" && chmod 4755 "$a/setuid"
echo g > "$a/setgid" && chmod 2710 "$a/setgid"
mkdir "$a/sticky" && chmod 1777 "$a/sticky"
mkdir -p "$a/subdirs/x" "$a/subdirs/y"
echo o > "$a/owned" && chown 1234:5678 "$a/owned" && chmod 640 "$a/owned"
echo n > "$a/none" && chmod 000 "$a/none"
mknod "$a/null" c 1 3
mknod "$a/loop" b 7 260
ln -s ten "$a/sym" && touch -h -d @1000000000.123456789 "$a/sym"
long=z$(printf 'L%.0s' $(seq 254))  # sorts last: a failure shows a short line
echo long > "$a/$long"
echo utf > "$a/$(printf 'caf\xc3\xa9')"
touch -d @-1.5 "$a/before-1970"
touch -d @-86400.000000001 "$a/day-before-1970"
touch -d @4102444800.999999999 "$a/year-2100"
touch -d @1700000000.000000001 "$a/ten" "$a/owned" "$a/setuid"
touch -d @1234567890.5 "$a/subdirs" "$a/sticky"
(cd "$a" && LC_ALL=C stat -c '%n %f %h %u %g %s %t:%T %.9Y %.9Z' -- * | LC_ALL=C sort) > "$s/attrs.want"
