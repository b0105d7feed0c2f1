# shellcheck shell=dash
# shellcheck disable=SC2046 # echo $(...) joins lines on purpose
# Names: rename (plain, across directories, NOREPLACE, EXCHANGE), hard links,
# symlinks, mkdir/rmdir, FIFOs, and listing large directories.
. /guest-lib.sh
cd /mnt

# rename a file within and across directories, and over an existing file
mkdir -p d1 d2
echo A > d1/a
mv d1/a d1/b
expect_out rename-same-dir "A" cat d1/b
check_not rename-same-dir-old test -e d1/a
mv d1/b d2/c
expect_out rename-across-dirs "A" cat d2/c
echo B > d2/victim
mv d2/c d2/victim
expect_out rename-replace "A" cat d2/victim

# rename directories, with contents, across directories
mkdir -p tree/sub && echo deep > tree/sub/f
mv tree d1/tree2
expect_out rename-dir "deep" cat d1/tree2/sub/f
mv d1/tree2/sub d2/sub-moved
expect_out rename-dir-across "deep" cat d2/sub-moved/f
mkdir d2/full && echo x > d2/full/x
expect_out rename-dir-over-nonempty "ERR ENOTEMPTY" vt-rename2 plain d1/tree2 d2/full

# renameat2 flags
echo one > r1
echo two > r2
expect_out noreplace-exists "ERR EEXIST" vt-rename2 noreplace r1 r2
expect_out noreplace-kept "one two" echo $(cat r1 r2)
expect_out noreplace-new "OK" vt-rename2 noreplace r1 r3
expect_out exchange "OK" vt-rename2 exchange r2 r3
expect_out exchange-swapped "one two" echo $(cat r2 r3)
mkdir xdir && echo in-dir > xdir/f
expect_out exchange-file-dir "OK" vt-rename2 exchange r2 xdir
expect_out exchange-file-dir-result "in-dir one" echo $(cat r2/f xdir)
expect_out exchange-missing "ERR ENOENT" vt-rename2 exchange r3 no-such-name

# hard links and link counts
echo linked > l1
ln l1 l2
ln l1 d1/l3
expect link-count-3 "3 3 3" "$(field l1 nlink) $(field l2 nlink) $(field d1/l3 nlink)"
expect link-same-inode "$(field l1 ino)" "$(field d1/l3 ino)"
rm l2
expect link-count-after-unlink "2" "$(field l1 nlink)"
echo more >> d1/l3
expect_out link-shared-data "linked
more" cat l1
expect_out link-dir "ERR EPERM" vt-call link d1 d1-link
expect_out link-exists "ERR EEXIST" vt-call link l1 d1/l3

# symlinks
ln -s l1 s1
ln -s d2/sub-moved/../sub-moved/f s-rel
ln -s /no/such/target s-dangling
ln -s d1 s-dir
expect_out readlink "l1" readlink s1
expect_out readlink-dangling "/no/such/target" readlink s-dangling
expect symlink-mode "120777" "$(field s1 mode)"
expect_out symlink-follow "deep" cat s-rel
expect_out symlink-dangling-open "ERR ENOENT" vt-call open-read s-dangling
expect_out symlink-dir "l3 tree2" echo $(ls s-dir/)
expect symlink-lstat-size "2" "$(field s1 size)"

# mkdir / rmdir
mkdir -p m/a/b/c
expect_out rmdir-nonempty "ERR ENOTEMPTY" vt-call rmdir m/a
expect_out rmdir-leaf "OK" vt-call rmdir m/a/b/c
expect_out mkdir-exists "ERR EEXIST" vt-call mkdir m/a 0755
expect_out rmdir-file "ERR ENOTDIR" vt-call rmdir l1
expect_out mkdir-mode "OK" vt-call mkdir m/mode 0700
expect mkdir-mode-bits "040700" "$(field m/mode mode)"
mkdir m/n m/n/x m/n/y
expect dir-link-count "4" "$(field m/n nlink)"
rmdir m/n/x
expect dir-link-count-after-rmdir "3" "$(field m/n nlink)"

# FIFOs
mkfifo fifo1
expect fifo-mode "010644" "$(field fifo1 mode)"
expect_out mknod-fifo "OK" vt-call mknod fifo2 fifo 0600
expect mknod-fifo-mode "010600" "$(field fifo2 mode)"
(echo through-fifo > fifo1) &
expect_out fifo-data "through-fifo" cat fifo1
wait

# large directories: 5,000 entries made on the host, 1,000 made here
expect_out readdir-5000 "OK count=5000" vt-entries check big 5000
expect readdir-ls-5000 "5000" "$(ls big | wc -l)"
expect readdirplus-ls-l-5000 "5000" "$(ls -l big | grep -c '^-rw')"
mkdir made
expect_out create-1000 "OK created=1000" vt-entries create made 1000
drop_caches
expect_out readdir-1000 "OK count=1000" vt-entries check made 1000
expect_out lookup-last-entry "OK" vt-call open-read big/e04999
