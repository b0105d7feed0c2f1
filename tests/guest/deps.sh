#!/bin/bash
# Installs what the real-guest test bed and the demo need on a clean Debian
# bookworm machine (run as root).  Source this file and call
# testbed_install_deps, or run it directly.

# Packages: QEMU (and with it the reference daemon /usr/lib/qemu/virtiofsd),
# the guest's userland (busybox-static, cpio; zstd to unpack the current
# stack's kernel, kernel-pvh.py), static guest helpers (gcc,
# libc6-dev), the daemon's own build (make, libseccomp-dev, libcap-ng-dev),
# the tools later suites use (xfsprogs, fio, stress-ng, attr for getfattr,
# strace to stretch a system call), and clang for the libFuzzer targets.
TESTBED_PACKAGES=(
	qemu-system-x86 busybox-static cpio gzip zstd
	gcc libc6-dev make libseccomp-dev libcap-ng-dev
	xfsprogs fio stress-ng attr strace clang python3
)

# Extra suites for the "current" stack and the Rust reference: packages are
# only downloaded from them (apt-get download) and unpacked into the cache,
# never installed.  bookworm-backports is NotAutomatic already; trixie gets a
# pin below 100 so that no install or upgrade ever takes a package from it.
TESTBED_APT_SOURCES=/etc/apt/sources.list.d/virtiofsd-testbed.sources
TESTBED_APT_PIN=/etc/apt/preferences.d/virtiofsd-testbed-trixie

testbed_apt_sources_text() {
	cat <<-'EOT'
	# Written by tests/guest/deps.sh (virtiofsd test bed): download only.
	Types: deb
	URIs: http://deb.debian.org/debian
	Suites: bookworm-backports trixie
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOT
}

testbed_apt_pin_text() {
	cat <<-'EOT'
	# Written by tests/guest/deps.sh (virtiofsd test bed): never install
	# from trixie; its packages are only downloaded and unpacked.
	Package: *
	Pin: release n=trixie
	Pin-Priority: 50
	EOT
}

# testbed_add_suites: writes the two files when they differ (idempotent) and
# refreshes apt's lists when something changed or the suites are unknown.
testbed_add_suites() {
	local changed=0
	if [ "$(cat "$TESTBED_APT_SOURCES" 2>/dev/null)" != "$(testbed_apt_sources_text)" ]; then
		testbed_apt_sources_text > "$TESTBED_APT_SOURCES"
		changed=1
	fi
	if [ "$(cat "$TESTBED_APT_PIN" 2>/dev/null)" != "$(testbed_apt_pin_text)" ]; then
		testbed_apt_pin_text > "$TESTBED_APT_PIN"
		changed=1
	fi
	local policy
	policy=$(apt-cache policy 2>/dev/null || true)
	if [ $changed -eq 1 ] || [[ $policy != *n=trixie,* ]] || [[ $policy != *n=bookworm-backports,* ]]; then
		echo "deps: apt-get update (bookworm-backports, trixie)" >&2
		apt-get update -q >&2
	fi
}

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
	testbed_add_suites
fi
