#!/bin/bash
# Host steps: the guest asks for the tree before it mounts the share.
set -euo pipefail
tree=$(dirname "$0")/../../submounts-tree.sh
state=$TB_TEST_TMP/submounts
case "$1" in
build) bash "$tree" build "$2" "$state" ;;
cleanup) bash "$tree" cleanup "$2" "$state" ;;
esac
