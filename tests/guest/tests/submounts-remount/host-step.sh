#!/bin/bash
# Host steps: the first tree once the guest mounted; the second (seed + 1)
# once the guest unmounted everything.
set -euo pipefail
tree=$(dirname "$0")/../../submounts-tree.sh
state=$TB_TEST_TMP/submounts
case "$1" in
build) bash "$tree" build "$2" "$state" ;;
rebuild) bash "$tree" rebuild "$2" "$state" ;;
cleanup) bash "$tree" cleanup "$2" "$state" ;;
esac
