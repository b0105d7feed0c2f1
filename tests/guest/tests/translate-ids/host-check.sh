#!/bin/bash
# translate-ids: the owners on the host.
set -euo pipefail
s=$1
. "$(dirname "$0")/../../host-check-lib.sh"

expect hf "2000:2000 host|guest" "$(stat -c %u:%g "$s/hf") $(tr '\n' '|' < "$s/hf" | sed 's/|$//')"
expect f "2000:2000" "$(stat -c %u:%g "$s/f")"
expect mine "2000:2000" "$(stat -c %u:%g "$s/pub/mine")"
expect h3 "3000:3004" "$(stat -c %u:%g "$s/h3")"
expect no-forbidden "absent" "$([ -e "$s/pub/forbidden" ] && echo present || echo absent)"
