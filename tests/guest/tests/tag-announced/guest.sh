# shellcheck shell=dash
# --tag makes the daemon offer VHOST_USER_PROTOCOL_F_CONFIG and announce the
# tag in the config space.  QEMU 7.1-8.0 abort on that offer (so the floor
# stack's 7.2 is skipped); QEMU 10 takes it and still names the device by its
# own tag= (Debian's build has no vhost-user-device that would read ours):
# the guest boots, mounts "myfs" and works.  The config space itself is
# checked by the client (tests/client: GET_CONFIG).
. /guest-lib.sh
cd /mnt
expect_out mounted "myfs /mnt virtiofs" sh -c "grep '^myfs ' /proc/mounts | cut -d' ' -f1-3"
expect_out host-file "from the host" cat host.txt
echo "from the guest" > guest.txt
expect_out write-read "from the guest" cat guest.txt
