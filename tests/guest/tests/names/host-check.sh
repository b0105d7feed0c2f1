#!/bin/bash
# What the names guest made, seen on the host.
# shellcheck disable=SC2046 # echo $(...) joins lines on purpose
set -euo pipefail
s=$1
. "$(dirname "$0")/../../host-check-lib.sh"

expect rename "A deep one two" "$(echo $(cat "$s/d2/victim" "$s/d2/sub-moved/f" "$s/xdir" "$s/r3"))"
expect rename-gone "absent" "$([ -e "$s/d1/a" ] || [ -e "$s/d1/b" ] || [ -e "$s/d2/c" ] || [ -e "$s/r1" ] || [ -e "$s/tree" ] || echo absent)"
expect exchange-dir "in-dir" "$(cat "$s/r2/f")"
expect hard-links "2 2 $(stat -c %i "$s/l1")" "$(stat -c %h "$s/l1") $(stat -c %h "$s/d1/l3") $(stat -c %i "$s/d1/l3")"
expect symlinks "l1|/no/such/target|d1" "$(readlink "$s/s1")|$(readlink "$s/s-dangling")|$(readlink "$s/s-dir")"
expect dirs "m/a m/a/b m/mode m/n m/n/y" "$(cd "$s" && find m -mindepth 1 -type d | sort | tr '\n' ' ' | sed 's/ $//')"
expect dir-mode 700 "$(stat -c %a "$s/m/mode")"
expect fifos "fifo 644 fifo 600" "$(stat -c '%F %a' "$s/fifo1" "$s/fifo2" | sed 's/fifo (named pipe)/fifo/g' | tr '\n' ' ' | sed 's/ $//')"
expect made-1000 "1000 $(seq -f 'e%05g' 0 999 | sha256sum)" "$(ls "$s/made" | wc -l) $(ls "$s/made" | sha256sum)"
