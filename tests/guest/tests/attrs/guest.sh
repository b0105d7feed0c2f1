# shellcheck shell=dash
# Attributes: chmod, chown/chgrp, timestamps (touch -d, nanoseconds, UTIME_NOW,
# UTIME_OMIT, on a symlink itself), statfs.
. /guest-lib.sh
cd /mnt

# chmod
echo data > f
chmod 0600 f
expect chmod-0600 "100600" "$(field f mode)"
chmod 4755 f
expect chmod-setuid "104755" "$(field f mode)"
chmod 0 f
expect chmod-0000 "100000" "$(field f mode)"
expect_out chmod-0000-root-reads "data" cat f
mkdir d
chmod 1777 d
expect chmod-sticky-dir "041777" "$(field d mode)"
chmod 2750 d
expect chmod-setgid-dir "042750" "$(field d mode)"

# chown / chgrp
echo owned > o
chown 1234:5678 o
expect chown "1234 5678" "$(field o uid) $(field o gid)"
chgrp 4321 o
expect chgrp "1234 4321" "$(field o uid) $(field o gid)"
chmod 4755 o
chown 1000 o
expect chown-clears-setuid "100755" "$(field o mode)"
ln -s o link
chown -h 2000:2001 link
expect lchown-link "2000 2001" "$(field link uid) $(field link gid)"
expect lchown-target-unchanged "1000 4321" "$(field o uid) $(field o gid)"

# timestamps
echo t > t1
touch -d "2001-02-03 04:05:06" t1
expect touch-d "981173106.000000000 981173106.000000000" "$(field t1 atime) $(field t1 mtime)"
echo t > t2
expect_out utimens-nsec "OK" vt-utimens t2 1500000000 987654321 1600000000 123456789
expect utimens-nsec-values "1500000000.987654321 1600000000.123456789" "$(field t2 atime) $(field t2 mtime)"
drop_caches
expect utimens-nsec-uncached "1500000000.987654321 1600000000.123456789" "$(field t2 atime) $(field t2 mtime)"
expect_out utimens-omit "OK" vt-utimens t2 0 omit 1700000000 5
expect utimens-omit-values "1500000000.987654321 1700000000.000000005" "$(field t2 atime) $(field t2 mtime)"
# Before 1970: the guest's signed seconds travel in an unsigned field.
echo t > t4
expect_out utimens-before-1970 "OK" vt-utimens t4 -315619200 7 -1 999999999
expect utimens-before-1970-values "-315619200.000000007 -1.999999999" "$(field t4 atime) $(field t4 mtime)"
drop_caches
expect utimens-before-1970-uncached "-315619200.000000007 -1.999999999" "$(field t4 atime) $(field t4 mtime)"
echo t > t3
vt-utimens t3 1 0 1 0 > /dev/null
expect_out utimens-now "OK" vt-utimens t3 0 now 0 now
now=$(date +%s)
mt=$(field t3 mtime)
mt=${mt%.*}
if [ "$mt" -ge $((now - 60)) ] && [ "$mt" -le $((now + 60)) ]; then
	pass utimens-now-value
else
	fail utimens-now-value "mtime $mt, guest clock $now"
fi
ln -s t1 tlink
expect_out utimens-symlink "OK" vt-utimens -h tlink 1400000000 1 1400000000 2
expect utimens-symlink-values "1400000000.000000002 981173106.000000000" "$(field tlink mtime) $(field t1 mtime)"

# statfs
vt-statfs /mnt > statfs.txt
blocks=$(tr ' ' '\n' < statfs.txt | sed -n 's/^blocks=//p')
if [ "${blocks:-0}" -gt 0 ]; then pass statfs; else fail statfs "$(cat statfs.txt)"; fi
expect statfs-stat-f "$blocks" "$(stat -f -c %b /mnt)"
check df df /mnt
expect df-mount-line "1" "$(df /mnt | grep -c ' /mnt$')"
