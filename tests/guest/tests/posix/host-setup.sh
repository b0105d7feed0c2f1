#!/bin/bash
# A 1 MiB tmpfs inside the share, not announced to the guest: vt-posix's
# EXDEV and ENOSPC checks reach it.  run.sh unmounts it with the test folder.
set -euo pipefail
mkdir "$1/xdev"
mount -t tmpfs -o size=1m,mode=0755 posix-xdev "$1/xdev"
