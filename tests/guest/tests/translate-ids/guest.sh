# shellcheck shell=dash
# --translate-uid/--translate-gid (daemon-args-ours; QEMU's C virtiofsd has
# no such option): guest 1000 <-> host 2000 for uids and gids, guest uids
# 1500-1509 forbidden, host gids 3000-3004 shown as the guest's 77.  Owners
# in every attribute reply, the ids a request runs with and chown targets
# are translated; host-check.sh looks at the owners on the host.
. /guest-lib.sh
cd /mnt

expect host-owned "1000 1000" "$(field hf uid) $(field hf gid)"
expect unmapped-uid-squashed-gid "3000 77" "$(field h3 uid) $(field h3 gid)"
# The guest's 1000 runs as the host's 2000: it may append to its file.
check append-as-owner vt-as 1000 1000 sh -c 'echo guest >> hf'

echo root > f
chown 1000:1000 f
drop_caches
expect chown-mapped "1000 1000" "$(field f uid) $(field f gid)"

expect_out create-as-user "OK" vt-as 1000 1000 vt-call create-excl pub/mine 0644
drop_caches
expect created-owner "1000 1000" "$(field pub/mine uid) $(field pub/mine gid)"
# READDIRPLUS entries carry the translated owner too.
drop_caches
expect readdirplus-owner "1000 1000" "$(ls -ln pub | awk '$NF == "mine" { print $3, $4 }')"

expect_out forbidden-create "ERR EPERM" vt-as 1505 1505 vt-call create-excl pub/forbidden 0644
check_not forbidden-chown chown 1509 f
expect forbidden-chown-unchanged "1000" "$(field f uid)"
