# shellcheck shell=dash
# Metadata in the guest: create, stat, list (readdir + lstat), rename and
# unlink 5,000 empty files (vt-meta prints the BENCH lines).
. /guest-lib.sh
vt-meta 5000 /mnt/meta
