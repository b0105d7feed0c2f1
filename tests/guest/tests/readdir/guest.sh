# shellcheck shell=dash
# Reading directories: the daemon resumes where the guest stopped (small
# buffers make it seek back on every READDIR), seekdir/telldir, two readers
# of one directory, entries removed and created while it is read (POSIX:
# each entry that stays comes exactly once), d_type and d_ino against lstat,
# and the attributes a listing gives against what the host's stat says.
# The host steps count the daemon's descriptors around one listing of a
# fresh directory: READDIRPLUS looks each entry up (an inode, a descriptor),
# plain READDIR does not (readdir-noplus: the same scripts, READDIRPLUS off).
. /guest-lib.sh
cd /mnt

# attrs_check NAME: vt-readdir attrs against the host's attrs.want; a failure
# shows the first line that differs.
attrs_check() {
	vt-readdir attrs attrs > /tmp/attrs.got 2>&1
	if cmp -s attrs.want /tmp/attrs.got; then
		pass "$1"
	else
		fail "$1" "$(awk 'NR == FNR { want[FNR] = $0; n = FNR; next }
			!told && want[FNR] != $0 { print "line " FNR ": want \"" want[FNR] "\", got \"" $0 "\""; told = 1 }
			{ m = FNR }
			END { if (!told) print "want " n " lines, got " m }' attrs.want /tmp/attrs.got)"
	fi
}

host_step before-listing
expect_out fresh-listing "OK count=1000" vt-readdir small fresh 1000 65536
host_step after-listing

expect_out small-one-entry "OK count=3000" vt-readdir small big 3000 32
expect_out small-few-entries "OK count=3000" vt-readdir small big 3000 200
expect_out small-large-buffer "OK count=3000" vt-readdir small big 3000 65536
expect_out seekdir "OK entries=3002" vt-readdir seek big 3000
expect_out two-readers "OK count=3000 twice" vt-readdir two big 3000
mkdir churn
vt-entries create churn 1500 > /dev/null
expect_out churn "OK kept=1000 removed=500 created=500" vt-readdir churn churn 1500
expect_out types "OK entries=7" vt-readdir types kinds
attrs_check attrs
attrs_check attrs-cached
drop_caches
attrs_check attrs-after-drop
# A directory removed while open reads as empty, or fails with ENOENT.
mkdir gone
expect_out removed-while-open "ERR ENOENT" sh -c 'exec 3< gone && rmdir gone && vt-readdir small /proc/self/fd/3 0 4096'
