#!/bin/bash
# Installs what the real-guest test bed and the demo need on a clean Debian
# bookworm machine (run as root).  Source this file and call
# testbed_install_deps, or run it directly.

# Packages: QEMU (and with it the reference daemon /usr/lib/qemu/virtiofsd),
# the guest's userland (busybox-static, cpio), static guest helpers (gcc,
# libc6-dev), the daemon's own build (make, libseccomp-dev, libcap-ng-dev),
# and the tools later suites use (xfsprogs, fio, stress-ng).
TESTBED_PACKAGES=(
	qemu-system-x86 busybox-static cpio gzip
	gcc libc6-dev make libseccomp-dev libcap-ng-dev
	xfsprogs fio stress-ng
)

testbed_install_deps() {
	local missing=() pkg
	for pkg in "${TESTBED_PACKAGES[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$pkg")
		fi
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	testbed_install_deps
fi
