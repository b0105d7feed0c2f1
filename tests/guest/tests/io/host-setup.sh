#!/bin/bash
# Files the guest reads: a small text file and 8 MiB of random data whose
# checksum the guest compares.
set -euo pipefail
share=$1
printf 'hello from the host\n' > "$share/hello.txt"
head -c 8M /dev/urandom > "$share/src.bin"
sha256sum "$share/src.bin" | cut -d' ' -f1 > "$share/src.sha256"
