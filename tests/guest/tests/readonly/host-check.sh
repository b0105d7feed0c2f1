#!/bin/bash
# Nothing in the share changed: not a byte, mode, time or xattr.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/../../host-check-lib.sh"
now=$(bash "$(dirname "$(readlink -f "$0")")/manifest.sh" "$1")
expect share-unchanged "$(cat "$TB_TEST_TMP/manifest")" "$now"
