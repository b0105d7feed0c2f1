# shellcheck shell=dash
# The compat-* tests start the daemon with a user's exact command line
# (daemon-cmdline-DAEMON: Kata Containers, libvirt, the references' docs) and
# check that the guest mounts the share and works on it.
. /guest-lib.sh
cd /mnt
expect_out host-file "from the host" cat host.txt
echo "from the guest" > guest.txt
expect_out write-read "from the guest" cat guest.txt
mkdir -p d/e
expect_out mkdir-ls "e" ls d
mv guest.txt d/e/moved
expect_out rename "from the guest" cat d/e/moved
ln -s moved d/e/link
expect_out symlink "from the guest" cat d/e/link
rm -r d
expect_out rmdir "host.txt" ls
