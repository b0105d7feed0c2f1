# shellcheck shell=dash
# Create, read, write, append, truncate, unlink.  Every change is also made to
# a copy in the guest's tmpfs and the two are compared by checksum.
. /guest-lib.sh
cd /mnt

# read
expect_out read-small "hello from the host" cat hello.txt
expect read-8m "$(cat src.sha256)" "$(sum src.bin)"
drop_caches
expect read-8m-uncached "$(cat src.sha256)" "$(sum src.bin)"
expect_out read-offset "from" dd if=hello.txt bs=1 skip=6 count=4 status=none

# create
echo hi > new.txt
expect create "3" "$(field new.txt size)"
expect_out create-excl-exists "ERR EEXIST" vt-call create-excl new.txt 0644
expect_out create-excl-new "OK" vt-call create-excl excl.txt 0640
expect create-mode "100640" "$(field excl.txt mode)"

# write: small, overwrite in the middle, 8 MiB copied and 8 MiB random
printf abcdef > small.txt
printf XY | dd of=small.txt bs=1 seek=2 conv=notrunc status=none
expect_out write-overwrite "abXYef" cat small.txt
cp src.bin copy.bin
expect write-8m-copy "$(cat src.sha256)" "$(sum copy.bin)"
dd if=/dev/urandom of=/tmp/rand.bin bs=1M count=8 status=none
cp /tmp/rand.bin rand.bin
sum /tmp/rand.bin > rand.sha256
drop_caches
expect write-8m-random "$(cat rand.sha256)" "$(sum rand.bin)"
dd if=/dev/zero of=sparse.bin bs=4096 seek=1000 count=1 status=none
expect write-past-end-size "4100096" "$(field sparse.bin size)"
expect write-past-end-hole "$(head -c 4096000 /dev/zero | sha256sum)" "$(head -c 4096000 sparse.bin | sha256sum)"

# append
echo one > append.txt
echo two >> append.txt
expect_out append-small "one
two" cat append.txt
cp src.bin /tmp/big.bin
cp src.bin append.bin
head -c 1048577 /dev/urandom > /tmp/tail.bin
cat /tmp/tail.bin >> /tmp/big.bin
cat /tmp/tail.bin >> append.bin
expect append-large "$(sum /tmp/big.bin)" "$(sum append.bin)"
expect append-large-size "9437185" "$(field append.bin size)"

# truncate: grow (zero-filled) and shrink, via truncate(1) and truncate(2)
cp hello.txt /tmp/t.txt
cp hello.txt trunc.txt
truncate -s 100000 /tmp/t.txt
truncate -s 100000 trunc.txt
expect truncate-grow "$(sum /tmp/t.txt)" "$(sum trunc.txt)"
expect_out truncate-shrink "OK" vt-call truncate trunc.txt 5
expect_out truncate-shrink-content "hello" cat trunc.txt
truncate -s 0 copy.bin
expect truncate-zero "0" "$(field copy.bin size)"
truncate -s 3000000 copy.bin
drop_caches
expect truncate-regrow "$(head -c 3000000 /dev/zero | sha256sum | cut -d' ' -f1)" "$(sum copy.bin)"

# unlink
echo bye > gone.txt
rm gone.txt
expect_out unlink "ERR ENOENT" vt-call open-read gone.txt
expect_out unlink-missing "ERR ENOENT" vt-call unlink gone.txt

# an open file that is unlinked stays readable
echo still-here > open.txt
exec 3< open.txt
rm open.txt
expect_out unlinked-open-read "still-here" cat <&3
exec 3<&-
