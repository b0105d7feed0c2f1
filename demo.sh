#!/bin/bash
# Demo: share a host folder (with a tmpfs mounted inside it) with a real Linux
# guest under QEMU and show what the guest sees.
#
#   ./demo.sh [--daemon=ours|ref-c] [--stack=floor]
#
# ours  = build/virtiofsd (built here with make), with --announce-submounts
# ref-c = QEMU's C virtiofsd /usr/lib/qemu/virtiofsd, with -o announce_submounts
# Needs root (apt-get, mount, the cache in /var/cache/virtiofsd-testbed).
set -euo pipefail
cd "$(dirname "$0")"
. tests/guest/host-lib.sh

daemon=ours
stack=floor
for arg in "$@"; do
	case "$arg" in
	--daemon=*) daemon=${arg#--daemon=} ;;
	--stack=*) stack=${arg#--stack=} ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "demo: unknown argument $arg" >&2; exit 2 ;;
	esac
done
say() { echo "demo: $*" >&2; }

say "installing dependencies (if missing)"
testbed_install_deps

case "$daemon" in
ours)
	say "building the daemon (make)"
	if ! make > /tmp/virtiofsd-demo-make.log 2>&1 || [ ! -x build/virtiofsd ]; then
		tail -n 20 /tmp/virtiofsd-demo-make.log >&2
		say "our daemon build/virtiofsd did not build (full log: /tmp/virtiofsd-demo-make.log)."
		say "run the demo against the reference daemon with: $0 --daemon=ref-c"
		exit 1
	fi
	daemon_bin=$PWD/build/virtiofsd
	daemon_args=(--announce-submounts)
	;;
ref-c)
	daemon_bin=$TB_REF_C_BIN
	daemon_args=(-o announce_submounts)
	;;
*) echo "demo: --daemon must be ours or ref-c" >&2; exit 2 ;;
esac

tb_init
stack_load "$stack"
mkdir -p "$STACK_CACHE"
say "preparing the guest (kernel + initramfs, stack $stack)"
initramfs_base

tb_tmpdir tmp
share=$tmp/share
say "demo share: $share"
mkdir -p "$share/docs" "$share/tmpfs"
echo "Hello from the host, $(date -u +%F)." > "$share/hello.txt"
printf '# Notes\n\nThis file lives on the host.\n' > "$share/docs/notes.md"
printf '#!/bin/sh\necho hi\n' > "$share/docs/hello.sh"
chmod 755 "$share/docs/hello.sh"
ln -s docs/notes.md "$share/notes-link"
head -c 1M /dev/urandom > "$share/random.bin"
mount -t tmpfs -o size=16m demo-tmpfs "$share/tmpfs"
echo "This file is on a tmpfs mounted inside the share." > "$share/tmpfs/on-tmpfs.txt"

initramfs_test "$tmp/demo.cpio" tests/guest/demo-guest.sh
cat "$INITRAMFS_BASE" "$tmp/demo.cpio" > "$tmp/initrd"

say "starting $daemon: $daemon_bin ${daemon_args[*]}"
tb_start_daemon "$daemon" "$daemon_bin" "$tmp/vhost-user-fs.sock" "$share" "$tmp/daemon.log" "${daemon_args[@]}" || {
	cat "$tmp/daemon.log" >&2
	exit 1
}
say "booting the guest (QEMU, TCG; about 10 s)"
tb_boot "$tmp/vhost-user-fs.sock" "$tmp/initrd" "$tmp/serial.log" "$tmp/qemu.log"
tb_stop_daemon

echo "----- guest output -----"
tb_serial_text "$tmp/serial.log" | grep -v -E '^TESTBED-END|^\[ *[0-9]+\.[0-9]+\]'
echo "------------------------"
if ! tb_serial_text "$tmp/serial.log" | grep -q '^TESTBED-END rc=0$'; then
	say "the guest did not finish (QEMU status $TB_QEMU_STATUS); daemon log:"
	tail -n 20 "$tmp/daemon.log" >&2
	exit 1
fi
say "done in ${TB_BOOT_SECONDS}s of boot; cleaning up"
