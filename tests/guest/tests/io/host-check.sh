#!/bin/bash
# What the io guest wrote, seen on the host.
set -euo pipefail
share=$1
. "$(dirname "$0")/../../host-check-lib.sh"

expect write-small "abXYef" "$(cat "$share/small.txt")"
expect write-8m-random "$(cat "$share/rand.sha256")" "$(sum "$share/rand.bin")"
expect write-8m-size 8388608 "$(stat -c %s "$share/rand.bin")"
expect append-small "$(printf 'one\ntwo')" "$(cat "$share/append.txt")"
expect append-large-size 9437185 "$(stat -c %s "$share/append.bin")"
expect append-large-prefix "$(cat "$share/src.sha256")" "$(head -c 8M "$share/append.bin" | sha256sum | cut -d' ' -f1)"
expect truncate "hello" "$(cat "$share/trunc.txt")"
expect truncate-regrow 3000000 "$(stat -c %s "$share/copy.bin")"
expect create-mode "640" "$(stat -c %a "$share/excl.txt")"
expect sparse-size 4100096 "$(stat -c %s "$share/sparse.bin")"
expect unlink "absent absent" "$([ -e "$share/gone.txt" ] || echo -n absent) $([ -e "$share/open.txt" ] || echo absent)"
expect names "append.bin append.txt copy.bin excl.txt hello.txt new.txt rand.bin rand.sha256 small.txt sparse.bin src.bin src.sha256 trunc.txt" \
	"$(cd "$share" && ls -A | tr '\n' ' ' | sed 's/ $//')"
