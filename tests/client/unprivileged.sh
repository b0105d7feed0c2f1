#!/bin/bash
# The daemon started by an ordinary user (nobody, through setpriv; the test
# itself runs as root), in the two sandboxes a user can have:
#   none       the daemon runs as the user, without credential switching;
#   namespace  (the default) it makes a user namespace whose uid and gid 0
#              are the user's own ids, and nothing else is mapped.
# For each MODE:
# - unprivileged-MODE-smoke: the smoke client passes; the file the daemon
#   CREATEs belongs to nobody on the host; every thread of the serving
#   process has nobody's uids and gids (seen from the host) and no
#   supplementary groups; none: no capabilities at all; namespace: a user
#   namespace other than the host's, whose uid_map and gid_map are exactly
#   "0 <nobody> 1" (its capabilities hold only there);
# - unprivileged-MODE-escape-CASE: the hostile suite's escapes (".." and "/"
#   in names, ".." above the root, symlinks out of the share, prepared or
#   made by the guest, whose owner must be nobody too) fail, although the
#   files beside the share are nobody's own and readable by it;
# - unprivileged-MODE-seccomp-kill: with --seccomp=kill (the default) given
#   explicitly, the filter is in place and the smoke workload does not trip
#   it (a SIGSYS death is status 159).
# And what a user cannot have: unprivileged-refuse-chroot (chroot(2) needs
# CAP_SYS_CHROOT) and unprivileged-refuse-uid-map (an --uid-map range
# /etc/subuid does not give the user: newuidmap refuses) end with status 1
# within 5 s, one line of error naming what failed, and no process left;
# both again with --daemonize (unprivileged-refuse-*-daemonize).
# Every daemon must exit by itself with status 0 when its client
# disconnects, with no sanitizer report.  Prints PASS/FAIL lines; exit 0
# when all pass.
#   OURS_VIRTIOFSD=build-asan/virtiofsd tests/client/unprivileged.sh
set -u
cd "$(dirname "$0")/../.." || exit 1
bin=${OURS_VIRTIOFSD:-build/virtiofsd}
user=nobody group=nogroup
if [ "$(id -u)" -ne 0 ]; then
	echo "FAIL unprivileged: must run as root (it starts the daemon as $user)"
	exit 1
fi
make -s build/client/smoke build/client/hostile || exit 1
tmp=$(mktemp -d /tmp/vfs-unpriv.XXXXXX)
watcher= dpid=
trap 'kill $watcher $dpid 2>/dev/null; rm -rf "$tmp"' EXIT
# The user reaches everything below $tmp through its own directory.
chown "$user:$group" "$tmp"
# One copy of the binary for the whole run (a rebuild cannot swap it), one
# the user may execute.
cp "$bin" "$tmp/daemon" && chmod 755 "$tmp/daemon" ||
	{ echo "FAIL unprivileged: no daemon binary $bin"; exit 1; }
# An array, not a function: "${as_user[@]}" DAEMON & runs setpriv, which
# execs the daemon, so $! is the daemon's pid (a function would add a shell).
as_user=(setpriv --reuid="$user" --regid="$group" --clear-groups)
uid=$(id -u "$user") gid=$(getent group "$group" | cut -d: -f3)
rc=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; rc=1; }

# start MODE NAME SHARE [OPTIONS...]: the daemon as the user on
# $tmp/NAME.sock.  Sets dpid (the process we started: setpriv execs the
# daemon), spid (the serving process: dpid itself, or with the namespace
# sandbox its child, in the new PID namespace) and log.  Waits until it
# serves (the log line written once seccomp is in place).
start() {
	local mode=$1 name=$2 share=$3 i lsan=1
	shift 3
	log=$tmp/$name.log
	# LeakSanitizer needs the host's /proc, which the namespace hides.
	[ "$mode" = none ] || lsan=0
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=$lsan} \
	"${as_user[@]}" "$tmp/daemon" --socket-path="$tmp/$name.sock" --shared-dir="$share" \
		--cache=never --sandbox="$mode" "$@" > "$log" 2>&1 &
	dpid=$!
	for ((i = 0; i < 600; i++)); do
		if [ -S "$tmp/$name.sock" ] && grep -q 'serving ' "$log"; then
			spid=$dpid
			[ "$mode" = none ] || spid=$(pgrep -P $dpid)
			[ -n "$spid" ] && return 0
			break
		fi
		kill -0 $dpid 2>/dev/null || break
		sleep 0.05
	done
	kill $dpid 2>/dev/null
	wait $dpid 2>/dev/null
	dpid=
	return 1
}

# finish: after the client disconnected the daemon must exit by itself with
# status 0 and no sanitizer report; otherwise sets why and returns 1.  (Not
# in a $(...) subshell: only this shell can wait for the daemon.)
finish() {
	local i status
	why=
	for ((i = 0; i < 100; i++)); do kill -0 $dpid 2>/dev/null || break; sleep 0.05; done
	if kill -0 $dpid 2>/dev/null; then
		kill -9 $dpid
		wait $dpid 2>/dev/null
		dpid=
		why="still running 5 s after the client disconnected"
		return 1
	fi
	wait $dpid
	status=$?
	dpid=
	if [ $status -eq $((128 + 31)) ]; then
		why="killed by SIGSYS (seccomp): $(grep -i -m1 'seccomp\|syscall' "$log")"
	elif [ $status -ne 0 ]; then
		why="daemon exit status $status: $(tail -n 1 "$log")"
	elif grep -Eq 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$log"; then
		why="sanitizer report: $(grep -Em1 'ERROR|runtime error' "$log")"
	elif pgrep -P $spid > /dev/null || kill -0 $spid 2>/dev/null; then
		why="a process of the daemon is left: $(pgrep -a -P $spid; ps -o pid=,args= -p $spid)"
	fi
	[ -z "$why" ]
}

# ids_ok MODE STATUS...: Uid, Gid all the user's, no supplementary groups;
# none: no capabilities either (namespace: they are the user namespace's).
ids_ok() {
	local mode=$1
	shift
	awk -v u="$uid" -v g="$gid" -v caps=$([ "$mode" = none ] && echo 1 || echo 0) '
		/^Uid:/ { if ($2 != u || $3 != u || $4 != u || $5 != u) bad = bad " " $0 }
		/^Gid:/ { if ($2 != g || $3 != g || $4 != g || $5 != g) bad = bad " " $0 }
		/^Groups:/ { if (NF > 1) bad = bad " " $0 }
		caps && /^Cap(Eff|Prm|Amb):/ { if ($2 !~ /^0+$/) bad = bad " " $0 }
		END { if (bad != "") { print bad; exit 1 } }' "$@"
}

# userns_ok PID: in a user namespace of its own, mapping exactly the user.
userns_ok() {
	local want="0 $uid 1" got
	[ "$(readlink /proc/$1/ns/user)" != "$(readlink /proc/self/ns/user)" ] ||
		{ echo " in the host's user namespace"; return 1; }
	got=$(echo $(cat /proc/$1/uid_map))
	[ "$got" = "$want" ] || { echo " uid_map '$got', want '$want'"; return 1; }
	want="0 $gid 1"
	got=$(echo $(cat /proc/$1/gid_map))
	[ "$got" = "$want" ] || { echo " gid_map '$got', want '$want'"; return 1; }
}

# The smoke workload.  The smoke client removes what it makes, so a
# fanotify listener (run as root) watches the opens in the share: each
# waits for its answer (FAN_OPEN_PERM), and the event carries an fd of the
# file, whose owner is read from it.  While the daemon waits in its open of
# the file it CREATEs, the listener records every thread's status: the
# queue threads serving the session among them.
smoke_case() {
	local mode=$1 name=unprivileged-$1-smoke share=$tmp/share-smoke-$1 out=$tmp/watch-$1.out
	local src drc i nsbad
	mkdir "$share" && chown "$user:$group" "$share"
	start $mode smoke-$mode "$share" ||
		{ fail $name "the daemon did not start: $(tail -n 3 "$log")"; return; }
	cat /proc/$spid/status > "$tmp/status-$mode"
	python3 - "$share" "$spid" "$out" <<'PY' 2> "$tmp/watch-$mode.err" &
import ctypes, glob, os, struct, sys
share, pid, out = sys.argv[1:]
libc = ctypes.CDLL(None, use_errno=True)
libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint64, ctypes.c_int,
                               ctypes.c_char_p]
# FAN_CLASS_CONTENT | FAN_CLOEXEC; FAN_MARK_ADD of FAN_OPEN_PERM on the
# share's children (FAN_EVENT_ON_CHILD) and directories (FAN_ONDIR).
fd = libc.fanotify_init(0x4 | 0x1, os.O_RDONLY | os.O_LARGEFILE)
if fd < 0 or libc.fanotify_mark(fd, 0x1, 0x10000 | 0x08000000 | 0x40000000, -100,
                                share.encode()) < 0:
    sys.exit("fanotify: errno %d" % ctypes.get_errno())
log = open(out, "w", buffering=1)
log.write("ready\n")
threads = False
while True:
    buf, i = os.read(fd, 4096), 0
    while i + 24 <= len(buf):
        size, _, _, _, _, efd, epid = struct.unpack_from("IBBHQii", buf, i)
        i += size
        if efd < 0:
            continue
        path = os.readlink("/proc/self/fd/%d" % efd)
        name = os.path.basename(path.replace(" (deleted)", ""))
        st = os.fstat(efd)
        log.write("open %s by %d owner %d %d\n" % (name, epid, st.st_uid, st.st_gid))
        if not threads and name == "smoke-new.dat" and str(epid) == pid:
            threads = True
            for t in glob.glob("/proc/%s/task/*/status" % pid):
                with open(t) as f:
                    log.write("task %s\n" % t.split("/")[4])
                    log.writelines(l for l in f if l.split(":")[0] in
                                   ("Uid", "Gid", "Groups", "CapEff", "CapPrm", "CapAmb"))
        os.write(fd, struct.pack("iI", efd, 1))  # FAN_ALLOW
        os.close(efd)
PY
	watcher=$!
	for ((i = 0; i < 200; i++)); do
		grep -q ready "$out" 2>/dev/null && break
		kill -0 $watcher 2>/dev/null || break
		sleep 0.05
	done
	if ! grep -q ready "$out" 2>/dev/null; then
		fail $name "the fanotify listener did not start: $(tail -n 1 "$tmp/watch-$mode.err")"
		kill $watcher $dpid 2>/dev/null
		wait $dpid 2>/dev/null
		watcher= dpid=
		return
	fi
	nsbad=
	[ $mode = none ] || nsbad=$(userns_ok $spid)
	timeout 60 build/client/smoke "$tmp/smoke-$mode.sock" "$share" > "$tmp/smoke-$mode.out" 2>&1
	src=$?
	finish
	drc=$?
	kill $watcher 2>/dev/null
	wait $watcher 2>/dev/null
	watcher=
	if [ $src -ne 0 ]; then
		fail $name "smoke client: $(grep -m3 '^FAIL' "$tmp/smoke-$mode.out" | tr '\n' ' ')"
	elif [ $drc -ne 0 ]; then
		fail $name "$why"
	elif [ -n "$nsbad" ]; then
		fail $name "the serving process's user namespace:$nsbad"
	elif ! why=$(ids_ok $mode "$tmp/status-$mode"); then
		fail $name "the serving process's /proc/PID/status:$why"
	elif ! grep -q "^open smoke-new.dat by $spid " "$out"; then
		fail $name "no open of smoke-new.dat by the daemon seen: $(grep -c '^open' "$out") opens"
	elif grep '^open smoke-new.dat ' "$out" | grep -qv " owner $uid $gid\$"; then
		fail $name "created on the host with another owner: $(grep -m1 '^open smoke-new' "$out")"
	elif [ "$(grep -c '^task' "$out")" -lt 2 ]; then
		fail $name "no queue thread in the daemon while it served: $(grep '^task' "$out" | tr '\n' ' ')"
	elif ! why=$(grep -v '^task\|^open\|^ready' "$out" | ids_ok $mode /dev/stdin); then
		fail $name "a serving thread has other ids or capabilities:$why"
	else
		pass $name
	fi
}

# Escapes, each hostile case against a fresh daemon on a share the user
# prepared: BASE/outside is the user's own, readable by it, so only the
# daemon's own confinement keeps it out of reach.
escape_cases() {
	local mode=$1 c name base src
	for c in name-slash name-dot-dotdot-at-root dotdot-from-subdir dotdot-moved-out symlink-escape \
		symlink-created-escape; do
		name=unprivileged-$mode-escape-$c base=$tmp/$mode-$c
		if ! "${as_user[@]}" build/client/hostile prepare "$base" > "$tmp/$mode-$c.prep" 2>&1; then
			fail $name "prepare: $(cat "$tmp/$mode-$c.prep")"
			continue
		fi
		if ! start $mode "$mode-$c" "$base/share"; then
			fail $name "the daemon did not start: $(tail -n 3 "$log")"
			continue
		fi
		timeout 60 build/client/hostile "$tmp/$mode-$c.sock" "$base" "$c" > "$tmp/$mode-$c.out" 2>&1
		src=$?
		finish
		if [ $src -ne 0 ]; then
			fail $name "$(grep -m1 '^FAIL' "$tmp/$mode-$c.out" || tail -n 1 "$tmp/$mode-$c.out")"
		elif [ -n "$why" ]; then
			fail $name "$why"
		elif [ $c = symlink-created-escape ] &&
		     why=$(cd "$base/share" && stat -c '%n %u:%g' evil* | grep -v " $uid:$gid\$"); then
			fail $name "the guest's symlinks are not the user's: $(echo $why)"
		else
			pass $name
		fi
		rm -rf "$base"
	done
}

# --seccomp=kill given explicitly.
seccomp_case() {
	local mode=$1 name=unprivileged-$1-seccomp-kill share=$tmp/share-seccomp-$1 src
	mkdir "$share" && chown "$user:$group" "$share"
	start $mode seccomp-$mode "$share" --seccomp=kill ||
		{ fail $name "the daemon did not start: $(tail -n 3 "$log")"; return; }
	if ! grep -q '^Seccomp:[[:space:]]*2' /proc/$spid/status; then
		fail $name "no seccomp filter: $(grep '^Seccomp' /proc/$spid/status | tr '\n' ' ')"
		kill $dpid
		wait $dpid 2>/dev/null
		dpid=
		return
	fi
	timeout 60 build/client/smoke "$tmp/seccomp-$mode.sock" "$share" > "$tmp/seccomp-$mode.out" 2>&1
	src=$?
	finish
	if [ -n "$why" ]; then
		fail $name "$why"
	elif [ $src -ne 0 ]; then
		fail $name "smoke client: $(grep -m3 '^FAIL' "$tmp/seccomp-$mode.out" | tr '\n' ' ')"
	else
		pass $name
	fi
}

# refuse NAME PATTERN OPTIONS...: the daemon as the user must end with
# status 1 within 5 s, with one line of error matching PATTERN (what
# failed, and why), and leave no process.
refuse() {
	local name=unprivileged-refuse-$1 pattern=$2 share=$tmp/share-refuse-$1 status lines
	local sock=$tmp/refuse-$1.sock
	shift 2
	log=$tmp/refuse-$name.log
	mkdir "$share" && chown "$user:$group" "$share"
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} \
	timeout -k 1 5 "${as_user[@]}" "$tmp/daemon" --socket-path="$sock" --shared-dir="$share" \
		"$@" > "$log" 2>&1 < /dev/null
	status=$?
	lines=$(grep -c . "$log")
	if [ $status -eq 124 ] || [ $status -eq 137 ]; then
		fail $name "still running after 5 s"
	elif [ $status -ne 1 ]; then
		fail $name "exit status $status, want 1: $(head -c 300 "$log" | tr '\n' ' ')"
	elif [ "$lines" -ne 1 ]; then
		fail $name "$lines lines of output, want 1: $(head -c 300 "$log" | tr '\n' ' ')"
	elif ! grep -Eqi -- "$pattern" "$log"; then
		fail $name "the error does not say what failed and why: $(cat "$log")"
	elif pgrep -f -- "$sock" > /dev/null; then
		fail $name "a daemon process is left: $(pgrep -af -- "$sock" | head -n 2 | tr '\n' ' ')"
	else
		pass $name
	fi
}

for mode in none namespace; do
	smoke_case $mode
	escape_cases $mode
	seccomp_case $mode
done
refuse chroot 'chroot.*(not permitted|root|privilege|capabilit|sandbox=none)' --sandbox=chroot
refuse uid-map 'newuidmap.*(not allowed|subuid|permi|uidmap package)' --sandbox=namespace \
	--uid-map=:0:$((uid + 100000)):65536:
# --daemonize: the launching process waits for the daemon to serve or fail,
# so the failure still ends in status 1 with its line (daemon(3) gave 0).
refuse chroot-daemonize 'chroot.*(not permitted|root|privilege|capabilit|sandbox=none)' \
	--sandbox=chroot --daemonize
refuse uid-map-daemonize 'newuidmap.*(not allowed|subuid|permi|uidmap package)' \
	--sandbox=namespace --daemonize --uid-map=:0:$((uid + 100000)):65536:
exit $rc
