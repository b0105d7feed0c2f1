#!/bin/bash
# The files the guest reads (and so caches) before the host changes them.
set -euo pipefail
s=$1
echo "first version" > "$s/f"
chmod 644 "$s/f"
echo "to be removed" > "$s/g"
echo "to be renamed" > "$s/h"
echo "to be replaced" > "$s/r"
ln -s f "$s/link"
mkdir "$s/d"
touch "$s/d/a" "$s/d/b"
printf 'line1-A\nline2-A\n' > "$s/held"
