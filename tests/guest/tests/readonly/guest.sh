# shellcheck shell=dash
# --readonly: the guest reads the share as usual, and every request that
# would change it fails with EROFS (host-check.sh: nothing changed).
. /guest-lib.sh
cd /mnt
expect read-file "hello, read-only" "$(cat f)"
expect read-dir "e" "$(ls d)"
expect readlink "f" "$(readlink l)"
expect_out getxattr "OK 76" vt-xattr get f user.k
expect_out open-read "OK" vt-call open-read f
expect_out statfs "OK" vt-call open-read .

expect_out create "ERR EROFS" vt-call create-excl new 0644
expect_out open-write "ERR EROFS" vt-call open-write f
expect_out truncate "ERR EROFS" vt-call truncate f 0
expect_out chmod "ERR EROFS" vt-call chmod f 0600
expect_out utimes "ERR EROFS" vt-call utimes-now f
expect_out mkdir "ERR EROFS" vt-call mkdir nd 0755
expect_out mknod-fifo "ERR EROFS" vt-call mknod np fifo 0644
expect_out symlink "ERR EROFS" vt-call symlink f nl
expect_out link "ERR EROFS" vt-call link f nf
expect_out unlink "ERR EROFS" vt-call unlink f
expect_out unlink-in-dir "ERR EROFS" vt-call unlink d/e
expect_out rmdir "ERR EROFS" vt-call rmdir d
expect_out rename "ERR EROFS" vt-rename2 plain f g
expect_out rename-exchange "ERR EROFS" vt-rename2 exchange f d
expect_out setxattr "ERR EROFS" vt-xattr set f user.k 77
expect_out removexattr "ERR EROFS" vt-xattr remove f user.k
# What the guest may have cached is not what the host has: look again.
drop_caches
expect read-file-again "hello, read-only" "$(cat f)"
expect names-unchanged "d f l p" "$(echo $(ls))"
