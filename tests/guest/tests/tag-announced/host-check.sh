#!/bin/bash
set -euo pipefail
s=$1
. "$(dirname "$0")/../../host-check-lib.sh"
expect guest-file "from the guest" "$(cat "$s/guest.txt")"
