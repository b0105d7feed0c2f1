# shellcheck shell=dash
# Creates the tree of /test/manifest.txt in the share and reads it back; the
# host-check then verifies the share holds exactly that tree.
. /guest-lib.sh
cd /mnt
umask 022
grep -v '^#' /test/manifest.txt > /tmp/entries

while read -r type path a b c; do
	case "$type" in
	d) mkdir "$path" && chmod "$a" "$path" ;;
	f) yes "$c" | head -c "$b" > "$path" && chmod "$a" "$path" ;;
	h) ln "$a" "$path" ;;
	l) ln -s "$a" "$path" ;;
	p) mkfifo "$path" && chmod "$a" "$path" ;;
	esac || fail "create $path" "$type entry not created"
done < /tmp/entries
drop_caches

bad=0
while read -r type path a b c; do
	case "$type" in
	d) want="040${a#0}" ;;
	f) want="100${a#0} size=$b $(yes "$c" | head -c "$b" | sha256sum | cut -d' ' -f1)" ;;
	h) want="$(field "$a" ino)" ;;
	l) want="120777 -> $a" ;;
	p) want="010${a#0}" ;;
	esac
	case "$type" in
	d|p) got="$(field "$path" mode)" ;;
	f) got="$(field "$path" mode) size=$(field "$path" size) $(sum "$path")" ;;
	h) got="$(field "$path" ino)" ;;
	l) got="$(field "$path" mode) -> $(readlink "$path")" ;;
	esac
	[ "$got" = "$want" ] || { fail "read-back $path" "got '$got', want '$want'"; bad=1; }
done < /tmp/entries
[ $bad = 0 ] && pass read-back
expect entry-count "$(wc -l < /tmp/entries)" "$(find . -mindepth 1 | wc -l)"
expect readme-link-count "3" "$(field docs/readme.txt nlink)"
