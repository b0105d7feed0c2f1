#!/bin/bash
# Ordering 1: the whole tree is mounted before the daemon starts.
set -euo pipefail
tree=$(dirname "$0")/../../submounts-tree.sh
bash "$tree" share-shared "$1"
bash "$tree" build "$1" "$TB_TEST_TMP/submounts"
