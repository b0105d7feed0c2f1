#!/bin/bash
# Files the host owns: by host 2000 (the guest's 1000), by 3000 (uid
# unmapped, gid squashed to the guest's 77), and a directory everyone
# may create in.
set -euo pipefail
share=$1
echo host > "$share/hf"
chown 2000:2000 "$share/hf"
chmod 0644 "$share/hf"
echo other > "$share/h3"
chown 3000:3004 "$share/h3"
mkdir "$share/pub"
chmod 1777 "$share/pub"
