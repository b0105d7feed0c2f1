#!/bin/bash
# The attributes the attrs guest set, seen on the host.
set -euo pipefail
s=$1
. "$(dirname "$0")/../../host-check-lib.sh"

expect modes "0 2750 755" "$(stat -c %a "$s/f" "$s/d" "$s/o" | tr '\n' ' ' | sed 's/ $//')"
expect owner "1000:4321" "$(stat -c %u:%g "$s/o")"
expect lchown "2000:2001 symbolic link" "$(stat -c '%u:%g %F' "$s/link")"
expect touch-d "981173106 981173106" "$(stat -c '%X %Y' "$s/t1")"
expect utimens-nsec "1500000000.987654321 1700000000.000000005" "$(stat -c '%.9X %.9Y' "$s/t2")"
expect utimens-symlink "1400000000.000000002" "$(stat -c '%.9Y' "$s/tlink")"
expect utimens-before-1970 "-315619200 -1" "$(stat -c '%X %Y' "$s/t4")"
guest=$(cat "$s/statfs.txt")
field() { tr ' ' '\n' <<< "$guest" | sed -n "s/^$1=//p"; }
expect statfs "$(stat -f -c '%S %b %l' "$s")" "$(field frsize) $(field blocks) $(field namelen)"
