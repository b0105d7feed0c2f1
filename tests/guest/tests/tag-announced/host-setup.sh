#!/bin/bash
set -euo pipefail
echo "from the host" > "$1/host.txt"
