#!/bin/bash
# 1,500 files for the guest to hold open at once.
set -euo pipefail
mkdir "$1/hold"
for i in $(seq -w 0 1499); do printf 'h%s' "$i" > "$1/hold/h$i"; done
