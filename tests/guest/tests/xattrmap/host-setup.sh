#!/bin/bash
# A file with xattrs the host set itself: one the mapping hides from the
# guest, one already under the guest's prefix.
set -euo pipefail
share=$1
echo host > "$share/h"
setfattr -n user.hostonly -v secret "$share/h"
setfattr -n user.virtiofs.user.pre -v 0x7072 "$share/h"
