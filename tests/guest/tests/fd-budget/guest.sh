# shellcheck shell=dash
# A walk of a tree far larger than the daemon's descriptor budget
# (--rlimit-nofile=1024): find, then lstat of every entry and the first
# bytes of every file (each holds its own name).  host-check.sh checks the
# daemon's open descriptors stayed under the budget.
. /guest-lib.sh
read -r want files dirs < /mnt/tree-count
n=$(find /mnt/tree 2> /tmp/find.err | wc -l)
echo "NOTE find: $((n - 1)) entries"
expect find-entries "$((want + 1))" "$n"
expect find-errors "" "$(head -n 3 /tmp/find.err)"
out=$(vt-walk walk /mnt/tree)
echo "$out" | head -n 6
echo "NOTE walk: $(echo "$out" | tail -n 1)"
expect walk "OK entries=$want files=$files dirs=$dirs errors=0" "$(echo "$out" | tail -n 1)"
