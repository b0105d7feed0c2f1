#!/bin/bash
# Files that exist before the guest opens them (FUSE_OPEN; the guest
# creates the others: FUSE_CREATE).
set -euo pipefail
for f in plain-old direct-old noatime-old; do
	printf 'existing\n' > "$1/$f"
done
