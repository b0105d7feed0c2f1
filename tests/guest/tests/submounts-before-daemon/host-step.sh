#!/bin/bash
# Host steps: none (host-setup.sh built the tree); cleanup.
set -euo pipefail
tree=$(dirname "$0")/../../submounts-tree.sh
state=$TB_TEST_TMP/submounts
case "$1" in
cleanup) bash "$tree" cleanup "$2" "$state" ;;
esac
