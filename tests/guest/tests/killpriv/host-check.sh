#!/bin/bash
# killpriv: what is left of the privileges on the host.
set -euo pipefail
s=$1
. "$(dirname "$0")/../../host-check-lib.sh"

for f in w t o c; do
	expect "$f-mode" "755" "$(stat -c %a "$s/$f")"
	expect "$f-xattrs" "" "$(getfattr -m - -d --absolute-names "$s/$f" 2>&1 | grep -v '^#' | sed '/^$/d')"
done
expect g-mode "2744" "$(stat -c %a "$s/g")"
