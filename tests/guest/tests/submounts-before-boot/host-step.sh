#!/bin/bash
# Host steps: the tree is built once the daemon runs, before the guest boots.
set -euo pipefail
tree=$(dirname "$0")/../../submounts-tree.sh
state=$TB_TEST_TMP/submounts
case "$1" in
daemon-started) bash "$tree" build "$2" "$state" ;;
cleanup) bash "$tree" cleanup "$2" "$state" ;;
esac
