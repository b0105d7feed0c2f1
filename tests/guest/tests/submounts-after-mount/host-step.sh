#!/bin/bash
# Host steps: the guest asks for the tree once it has mounted the share and
# looked at the folders the direct mounts then cover.
set -euo pipefail
tree=$(dirname "$0")/../../submounts-tree.sh
state=$TB_TEST_TMP/submounts
case "$1" in
prepare) bash "$tree" prepare "$2" "$state" ;;
build) bash "$tree" build "$2" "$state" ;;
cleanup) bash "$tree" cleanup "$2" "$state" ;;
esac
