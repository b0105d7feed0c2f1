#!/bin/bash
# The share is a shared mount, so that mounts made under it after the daemon
# started reach the daemon's namespace (as on a systemd host).
set -euo pipefail
bash "$(dirname "$0")/../../submounts-tree.sh" share-shared "$1"
