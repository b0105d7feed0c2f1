#!/bin/bash
# What the guest wrote, on the host as soon as the guest closed it.
set -euo pipefail
s=$1
. "$(dirname "$(readlink -f "$0")")/../../host-check-lib.sh"
expect guest-write "from the guest" "$(cat "$s/from-guest")"
expect guest-removed absent "$([ -e "$s/d/b" ] || echo absent)"
