#!/bin/bash
# Our daemon started by an ordinary user (its --sandbox=namespace is then a
# user namespace), for the guest tests: give it as VIRTIOFSD_BIN,
#   VIRTIOFSD_BIN=tests/guest/daemon-as-user.sh tests/guest/run.sh io names
# It hands the share (recursively) and the socket's folder to $AS_USER
# (default vfs-userns; the user must exist), then execs
# ${AS_USER_VIRTIOFSD:-build-asan/virtiofsd} with the same arguments as that
# user (setpriv, no supplementary groups).
u=${AS_USER:-vfs-userns}
bin=${AS_USER_VIRTIOFSD:-$(dirname "$0")/../../build-asan/virtiofsd}
for a; do
	case $a in
	--socket-path=*) sock=${a#*=} ;;
	--shared-dir=*) share=${a#*=} ;;
	esac
done
gid=$(id -g "$u") || exit 1
chown "$u:$gid" "$(dirname "${sock:?no --socket-path=}")" &&
	chown -R "$u:$gid" "${share:?no --shared-dir=}" || exit 1
exec setpriv --reuid="$u" --regid="$gid" --clear-groups "$bin" "$@"
