# shellcheck shell=dash
# The guest holds open more files than the daemon's share of its
# descriptor budget (--rlimit-nofile=1024): the excess opens fail with
# EMFILE, nothing else does (stat, opendir's EMFILE aside, mkdir, rmdir,
# symlink, unlink, reads through the held files), and once they are closed
# files open again.  host-check.sh checks the daemon stayed under budget.
. /guest-lib.sh
out=$(vt-walk hold /mnt/hold 1500)
echo "$out"
last=$(echo "$out" | tail -n 1)
held=$(echo "$last" | sed -n 's/.*held=\([0-9]*\).*/\1/p')
emfile=$(echo "$last" | sed -n 's/.*emfile=\([0-9]*\).*/\1/p')
echo "NOTE held $held files open, $emfile opens refused with EMFILE"
if [ "${held:-0}" -gt 100 ] && [ "${emfile:-0}" -gt 0 ]; then
	pass hold-some-refused
else
	fail hold-some-refused "$last"
fi
expect hold-all-tried 1500 "$((held + emfile))"
expect hold-no-other-errors "other=0 side=0" "$(echo "$last" | grep -o 'other=.*')"
expect hold-listing 1500 "$(ls /mnt/hold | wc -l)"
expect hold-read-after "h0042" "$(cat /mnt/hold/h0042)"
