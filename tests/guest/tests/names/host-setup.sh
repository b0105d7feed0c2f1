#!/bin/bash
# A directory of 5,000 entries made on the host, for the guest to list.
set -euo pipefail
mkdir "$1/big"
(cd "$1/big" && seq -f 'e%05g' 0 4999 | xargs touch)
