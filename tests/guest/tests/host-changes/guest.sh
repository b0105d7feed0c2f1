# shellcheck shell=dash
# shellcheck disable=SC2046 # echo $(...) joins lines on purpose
# Changes made on the host while the guest runs, seen by the guest: at
# once with --cache=never (host-changes-never), after the attribute and
# entry timeout (1 s) with the default --cache=auto (host-changes: the
# guest waits /test/settle seconds).  The guest first reads everything, so
# that its caches hold the old state: contents, attributes, names, a
# negative lookup, a listing, and a file it keeps open.
. /guest-lib.sh
cd /mnt

settle() {
	[ -f /test/settle ] && sleep "$(cat /test/settle)"
	return 0
}

expect_out before-f "first version" cat f
expect before-f-mode "100644" "$(field f mode)"
expect_out before-g "to be removed" cat g
expect_out before-h "to be renamed" cat h
expect_out before-r "to be replaced" cat r
expect_out before-link "f" readlink link
expect_out before-listing "a b" echo $(ls d)
check_not before-new test -e new
check_not before-newdir test -e newdir
exec 5< held 6< held
read -r first <&5
read -r _ <&6
expect before-held "line1-A" "$first"

host_step change
settle

expect_out contents-rewritten "second version, longer" cat f
expect mode-changed "100600" "$(field f mode)"
expect size-changed "23" "$(field f size)"
check_not removed-gone test -e g
expect_out removed-open "ERR ENOENT" vt-call open-read g
expect_out renamed-new-name "to be renamed" cat h2
check_not renamed-old-name test -e h
expect_out symlink-retargeted "h2" readlink link
expect_out symlink-followed "to be renamed" cat link
expect_out listing-changed "b c" echo $(ls d)
expect_out created-file "new" cat new
expect_out created-dir "inside" cat newdir/x
expect_out replaced-by-rename "replaced" cat r
# The descriptor opened before the change reads on where it stood: the
# new contents, not the cached old ones.  With read(2) (dd): busybox cat
# uses sendfile(2), which on Linux 6.12 reads the page cache without asking
# for the attributes first (filemap_splice_read): old data, or new data cut
# at the old size, with every daemon (the NOTE shows it; 6.1 reads anew).
echo "NOTE a held descriptor read with sendfile (cat): $(cat <&6 | tr '\n' '|')"
expect held-open-reads-new "line2-B|line3-B|" "$(dd bs=4096 2> /dev/null <&5 | tr '\n' '|')"
exec 5<&- 6<&-

# The other way: what the guest does, on the host at once (host-check).
echo "from the guest" > from-guest
rm d/b
