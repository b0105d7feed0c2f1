# shellcheck shell=bash
# Sourced by the host-check.sh scripts (bash): result lines like the guest's,
# prefixed "host-".

# expect NAME WANT GOT
expect() {
	if [ "$2" = "$3" ]; then
		echo "PASS host-$1"
	else
		echo "FAIL host-$1: got '${3//$'\n'/|}', want '${2//$'\n'/|}'"
	fi
}

# sum FILE: its sha256, hash only.
sum() {
	sha256sum "$1" | cut -d' ' -f1
}
