#!/bin/bash
# The Rust virtiofsd 1.13 (Debian trixie's package, fetched into the test
# bed's cache on first use) run with its own loader and libraries, for
# benchmarks that take a daemon binary with our long options:
#   REF_KIND=bench/ref-rust.sh bench/client-rate.sh
#   tests/client/with-daemon.sh bench/ref-rust.sh DIR PROGRAM ARGS...
# Arguments go to the daemon unchanged.
set -euo pipefail
. "$(dirname "$0")/../tests/guest/host-lib.sh"
tb_ref_rust_prepare >&2
lib=$TB_REF_RUST_TREE/usr/lib/x86_64-linux-gnu
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib" \
	"$TB_REF_RUST_TREE/usr/libexec/virtiofsd" "$@"
