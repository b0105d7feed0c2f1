#!/bin/bash
# The tree of ordering 1 (mounted before the daemon starts), seen without
# announced submounts.
set -euo pipefail
tree=$(dirname "$0")/../../submounts-tree.sh
bash "$tree" share-shared "$1"
bash "$tree" build "$1" "$TB_TEST_TMP/submounts"
