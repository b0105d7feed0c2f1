#!/bin/bash
# The guest's changes are on the host, and nothing else is left.
set -euo pipefail
s=$1
. "$(dirname "$0")/../../host-check-lib.sh"
expect listing "host.txt" "$(ls "$s")"
