#!/bin/bash
# The files the setgid-create guest made, as the host sees them.
set -euo pipefail
s=$1
. "$(dirname "$0")/../../host-check-lib.sh"

expect outside "775 1000:0" "$(stat -c '%a %u:%g' "$s/sg/outside")"
expect ingroup "775 1000:0" "$(stat -c '%a %u:%g' "$s/sg/ingroup")"
expect mknod "775 1000:0" "$(stat -c '%a %u:%g' "$s/sg/node")"
expect subdir "2775 1000:0" "$(stat -c '%a %u:%g' "$s/sg/subdir")"
expect root "2775 0:0" "$(stat -c '%a %u:%g' "$s/sg/byroot")"
