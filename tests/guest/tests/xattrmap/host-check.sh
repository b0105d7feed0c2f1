#!/bin/bash
# The xattr names --xattrmap left on the host.
set -euo pipefail
s=$1
. "$(dirname "$0")/../../host-check-lib.sh"

names() { getfattr -m - --absolute-names "$1" 2>/dev/null | grep -v '^#' | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'; }
expect f-names "user.virtiofs.user.a" "$(names "$s/f")"
expect h-names "user.hostonly user.virtiofs.user.pre" "$(names "$s/h")"
for f in w t c; do
	expect "$f-names" "" "$(names "$s/$f")"
done
expect r-names "user.virtiofs.security.capability" "$(names "$s/r")"
