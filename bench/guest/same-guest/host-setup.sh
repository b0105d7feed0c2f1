#!/bin/bash
# A source tree of about two thousand files from what every Debian machine
# with a C toolchain has: the kernel's and libc's headers and Python's
# standard library.
set -euo pipefail
tar czf "$1/src.tgz" --exclude=__pycache__ --exclude=dist-packages \
	-C / usr/include/linux usr/include/asm-generic usr/include/x86_64-linux-gnu usr/lib/python3.11
