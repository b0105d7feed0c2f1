#!/bin/bash
# The share must hold exactly the tree of manifest.txt.
set -euo pipefail
s=$1
. "$(dirname "$0")/../../host-check-lib.sh"

declare -A want nlinks subdirs
entries() { grep -v '^#' "$(dirname "$0")/manifest.txt"; }
# content SIZE WORD: the checksum of the first SIZE bytes of `yes WORD`.
content() { (set +o pipefail; yes "$2" | head -c "$1" | sha256sum | cut -d' ' -f1); }

# Link counts: files 1 + their hard links, directories 2 + their subdirectories.
while read -r type path a b c; do
	case "$type" in
	f) nlinks[$path]=1 ;;
	h) nlinks[$a]=$((nlinks[$a] + 1)) ;;
	d) subdirs[$path]=0
	   parent=$(dirname "$path")
	   [ "$parent" = . ] || subdirs[$parent]=$((subdirs[$parent] + 1)) ;;
	esac
done < <(entries)

# One line a path: type, mode, link count, and size + checksum or target.
while read -r type path a b c; do
	case "$type" in
	d) want[$path]="directory $a $((2 + subdirs[$path]))" ;;
	f) want[$path]="regular $a ${nlinks[$path]} $b $(content "$b" "$c")" ;;
	h) want[$path]="hardlink-of $a" ;;
	l) want[$path]="symlink -> $a" ;;
	p) want[$path]="fifo $a 1" ;;
	esac
done < <(entries)

describe() {
	local p=$s/$1
	case "$(stat -c %F "$p")" in
	directory) stat -c 'directory 0%a %h' "$p" ;;
	"regular file"|"regular empty file") echo "regular $(stat -c '0%a %h %s' "$p") $(sum "$p")" ;;
	"symbolic link") echo "symlink -> $(readlink "$p")" ;;
	fifo) stat -c 'fifo 0%a %h' "$p" ;;
	*) stat -c '%F' "$p" ;;
	esac
}

declare -A seen
problems=0
while IFS= read -r -d '' found; do
	path=${found#"$s"/}
	seen[$path]=1
	if [ -z "${want[$path]+set}" ]; then
		echo "FAIL host-extra: $path ($(describe "$path")) is not in the manifest"
		problems=$((problems + 1))
	fi
done < <(find "$s" -mindepth 1 -print0)

while IFS= read -r path; do
	if [ -z "${seen[$path]+set}" ]; then
		echo "FAIL host-missing: $path"
		problems=$((problems + 1))
		continue
	fi
	w=${want[$path]}
	if [[ $w == hardlink-of* ]]; then
		target=${w#hardlink-of }
		expect "entry $path" "$(stat -c %i "$s/$target")" "$(stat -c %i "$s/$path")"
	else
		expect "entry $path" "$w" "$(describe "$path")"
	fi
done < <(printf '%s\n' "${!want[@]}" | LC_ALL=C sort)
if [ $problems -eq 0 ]; then echo "PASS host-exactly-the-manifest"; fi
