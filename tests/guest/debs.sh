# shellcheck shell=bash
# Sourced.  Downloads Debian packages with `apt-get download` and unpacks them
# with `dpkg-deb -x` into one tree in the cache: nothing is installed.  Used
# for the "current" stack's QEMU and for the Rust reference daemon, whose
# suites (bookworm-backports, trixie) deps.sh's testbed_add_suites adds.

DEBS_SH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$DEBS_SH_DIR/deps.sh"

# debs_version PKG SUITE: the version `apt-get download PKG/SUITE` would fetch
# ("" when apt does not know the suite).
debs_version() {
	apt-cache show "$1/$2" 2>/dev/null | awk '/^Version:/ { print $2; exit }'
}

# debs_tree VAR PARENT NAME SUITE PKG...: the tree PARENT/NAME-VERSION, where
# VERSION is the first package's version in SUITE, holding PKG... (each PKG or
# PKG/OTHER-SUITE) unpacked, fetched once and reused; its path goes to VAR.
# Offline (apt does not resolve the first package) the newest tree already in
# PARENT is used.
debs_tree() {
	local var=$1 parent=$2 name=$3 suite=$4
	shift 4
	local version
	version=$(debs_version "$1" "$suite")
	if [ -z "$version" ] && [ ! -e "$(ls -d "$parent/$name"-*/.unpacked 2>/dev/null | head -n 1)" ]; then
		# First use: the suites may be missing from apt.
		testbed_add_suites
		version=$(debs_version "$1" "$suite")
	fi
	local dest
	if [ -z "$version" ]; then
		dest=$(ls -d "$parent/$name"-* 2>/dev/null | sort -V | tail -n 1)
		if [ -z "$dest" ] || [ ! -e "$dest/.unpacked" ]; then
			echo "debs: cannot resolve $1/$suite and nothing cached in $parent" >&2
			return 1
		fi
		echo "debs: apt cannot resolve $1/$suite, using cached $dest" >&2
		printf -v "$var" '%s' "$dest"
		return 0
	fi
	# Epochs ("1:") stay out of path names.
	dest=$parent/$name-${version#*:}
	if [ ! -e "$dest/.unpacked" ]; then
		mkdir -p "$parent"
		local dl p targets=()
		for p in "$@"; do
			case "$p" in */*) targets+=("$p") ;; *) targets+=("$p/$suite") ;; esac
		done
		dl=$(mktemp -d "$parent/download.XXXXXX")
		# apt drops privileges to _apt for downloads; let it write there.
		chmod 755 "$dl"
		echo "debs: downloading ${targets[*]}" >&2
		if ! (cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "${targets[@]}") >&2 2>&1; then
			rm -rf "$dl"
			echo "debs: apt-get download failed" >&2
			return 1
		fi
		# Unpacked beside, then renamed: a concurrent run sees a whole
		# tree or none (the first rename wins, the other tree goes).
		local stage=$dl/tree
		mkdir "$stage"
		for p in "$dl"/*.deb; do
			dpkg-deb -x "$p" "$stage"
		done
		ls "$dl" | grep '\.deb$' > "$stage/.debs"
		touch "$stage/.unpacked"
		chmod 755 "$stage"
		[ -e "$dest/.unpacked" ] || rm -rf "$dest"
		mv -T "$stage" "$dest" 2>/dev/null || [ -e "$dest/.unpacked" ]
		rm -rf "$dl"
	fi
	printf -v "$var" '%s' "$dest"
}
