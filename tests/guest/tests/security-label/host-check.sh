#!/bin/bash
# The labels the guest sent, as security.selinux on the host: the same
# non-empty context on every new file (a symlink's own, not its target's).
set -euo pipefail
s=$1

label() { getfattr -h -n security.selinux --only-values --absolute-names "$1" 2> /dev/null | tr -d '\0' || true; }
want=$(label "$s/f")
echo "NOTE host label of f: '$want'"
if [ -n "$want" ]; then
	echo "PASS label-f"
else
	echo "FAIL label-f: no security.selinux on the new file"
fi
for f in d p l d/g; do
	got=$(label "$s/$f")
	if [ -n "$got" ] && [ "$got" = "$want" ]; then
		echo "PASS label-$f"
	else
		echo "FAIL label-$f: '$got', want the label of f, '$want'"
	fi
done
