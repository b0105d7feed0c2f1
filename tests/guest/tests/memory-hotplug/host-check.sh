#!/bin/bash
# What the guest wrote in its second round is on the host: w2.dat
# (buffered, 64 MiB) and d2.dat (O_DIRECT from a buffer in the hot-plugged memory,
# 32 MiB), both vt-pattern seed 2.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
. "$here/../../host-check-lib.sh"
expect_pattern buffered-file "$1/w2.dat" 2 64
expect_pattern direct-file "$1/d2.dat" 2 32
