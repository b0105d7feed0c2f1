#!/bin/bash
# Files with a birth time on the host (the share is on the host's /tmp).
set -euo pipefail
s=$1
echo one > "$s/file"
mkdir "$s/dir"
ln -s file "$s/link"
