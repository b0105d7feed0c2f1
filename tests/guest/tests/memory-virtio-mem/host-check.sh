#!/bin/bash
# What the guest wrote in its second round (after the shrink) is on the
# host: w2.dat (buffered, 32 MiB) and d2.dat (O_DIRECT from a buffer in
# the virtio-mem memory, 16 MiB), both vt-pattern seed 2.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
. "$here/../../host-check-lib.sh"
s=$1
p=$TB_TEST_TMP/vt-pattern
gcc -O2 -o "$p" "$here/../../progs/vt-pattern.c"
# same FILE MIB: the file is seed 2's pattern of MIB MiB, byte for byte.
same() { cmp -s <("$p" 2 0 $(($2 << 20))) "$s/$1" && echo same || echo differs; }
expect buffered-file same "$(same w2.dat 32)"
expect direct-file same "$(same d2.dat 16)"
