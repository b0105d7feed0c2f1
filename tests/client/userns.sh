#!/bin/bash
# --sandbox=namespace started by an ordinary user: the daemon makes a user
# namespace with its mount, PID and network namespaces, and serves from it.
# The test runs as root and starts the daemon as $USERNS_USER (default
# vfs-userns; created if missing, with subordinate ranges 200000:65536 in
# /etc/subuid and /etc/subgid, and removed again at the end; uidmap is
# installed with apt-get when newuidmap is missing).
# - userns-nomap: no --uid-map/--gid-map: the smoke workload passes; the
#   serving process is PID 1 of its namespace, has the user's uid and gid
#   seen from the host, uid_map/gid_map "0 ID 1", setgroups denied; a file
#   made by guest root belongs to the user on the host; guest uid 1000 (not
#   mapped) gets EPERM and no file; the daemon ends on SIGTERM (143) with
#   nothing left running;
# - userns-maps: --uid-map=:0:UID:1: --uid-map=:1:SUB:COUNT: (and the same
#   for gids, through newuidmap/newgidmap): guest 1000:1000 makes a file
#   owned by SUB+999 on the host and reported as 1000 to the guest, guest 0
#   a file owned by the user; a uid or gid outside every range, and
#   (uid_t)-1, get EPERM and no file; the supplementary groups are dropped;
# - userns-refuse-*: --uid-map with --sandbox=none, with --translate-uid,
#   as root, malformed maps, a range /etc/subuid does not give (newuidmap
#   fails), newuidmap not found: status 1 within 10 s, one line of error,
#   no process left.
# Prints PASS/FAIL lines; exit 0 when all pass.
#   OURS_VIRTIOFSD=build-asan/virtiofsd tests/client/userns.sh
set -u
cd "$(dirname "$0")/../.." || exit 1
bin=${OURS_VIRTIOFSD:-build-asan/virtiofsd}
user=${USERNS_USER:-vfs-userns}
if [ "$(id -u)" -ne 0 ]; then
	echo "FAIL userns: must run as root (it starts the daemon as $user)"
	exit 1
fi
make -s build/client/smoke build/client/ids || exit 1
tmp=$(mktemp -d /tmp/vfs-userns.XXXXXX)
created_user= added_subuid= added_subgid= dpid=
cleanup() {
	[ -n "$dpid" ] && kill -9 "$dpid" 2>/dev/null
	[ -n "$added_subuid" ] && sed -i "/^$added_subuid\$/d" /etc/subuid
	[ -n "$added_subgid" ] && sed -i "/^$added_subgid\$/d" /etc/subgid
	[ -n "$created_user" ] && userdel "$user" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
rc=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; rc=1; }

# --- the test user, its subordinate ranges, newuidmap ---
if ! command -v newuidmap > /dev/null || ! command -v newgidmap > /dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q uidmap > "$tmp/apt.log" 2>&1 ||
		{ echo "FAIL userns: cannot install uidmap: $(tail -n 1 "$tmp/apt.log")"; exit 1; }
fi
if ! id "$user" > /dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin "$user" ||
		{ echo "FAIL userns: cannot create user $user"; exit 1; }
	created_user=1
fi
if ! grep -q "^$user:" /etc/subuid 2>/dev/null; then
	added_subuid="$user:200000:65536"
	echo "$added_subuid" >> /etc/subuid
fi
if ! grep -q "^$user:" /etc/subgid 2>/dev/null; then
	added_subgid="$user:200000:65536"
	echo "$added_subgid" >> /etc/subgid
fi
uid=$(id -u "$user") gid=$(id -g "$user")
IFS=: read -r _ sub_uid sub_uids < <(grep "^$user:" /etc/subuid | head -n 1)
IFS=: read -r _ sub_gid sub_gids < <(grep "^$user:" /etc/subgid | head -n 1)
[ "$sub_uids" -gt 65536 ] && sub_uids=65536
[ "$sub_gids" -gt 65536 ] && sub_gids=65536

chown "$user:$gid" "$tmp"
cp "$bin" "$tmp/daemon" && chmod 755 "$tmp/daemon" ||
	{ echo "FAIL userns: no daemon binary $bin"; exit 1; }
# LeakSanitizer needs the host's /proc, which the namespace sandbox hides.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
# An array, not a function: "${as_user[@]}" DAEMON & runs setpriv, which
# execs the daemon, so $! is the daemon's pid.
as_user=(setpriv --reuid="$uid" --regid="$gid" --clear-groups)

# start NAME OPTION...: the daemon as the user on $tmp/NAME (made, owned by
# the user, mode $mode), keep-listening; sets dpid and spid (the serving
# process).  Returns 1 (after a FAIL line) when it does not come up.
start() {
	local name=$1 i
	shift
	mkdir -p "$tmp/$name"
	chown "$uid:$gid" "$tmp/$name"
	chmod "$mode" "$tmp/$name"
	"${as_user[@]}" "$tmp/daemon" --socket-path="$tmp/$name.sock" \
		--shared-dir="$tmp/$name" --keep-listening "$@" > "$tmp/$name.log" 2>&1 &
	dpid=$!
	# The serving process logs "serving" once the sandbox is set up.
	for i in $(seq 300); do
		grep -q "serving $tmp/$name on" "$tmp/$name.log" && break
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.05
	done
	spid=$(pgrep -P "$dpid" | head -n 1)
	if ! grep -q "serving $tmp/$name on" "$tmp/$name.log" || [ -z "$spid" ]; then
		fail "$name" "the daemon did not come up: $(tail -n 3 "$tmp/$name.log" | tr '\n' ' ')"
		kill -9 "$dpid" 2>/dev/null
		wait "$dpid" 2>/dev/null
		dpid=
		return 1
	fi
	return 0
}

# stop NAME: SIGTERM, status 143, nothing left, no sanitizer report.
stop() {
	local name=$1 i status
	kill -TERM "$dpid"
	for i in $(seq 100); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$dpid" 2>/dev/null; then
		fail "$name-stop" "still running 5 s after SIGTERM"
		kill -9 "$dpid"
	fi
	wait "$dpid" 2>/dev/null
	status=$?
	dpid=
	sleep 0.2
	if [ "$status" -ne 143 ]; then
		fail "$name-stop" "exit status $status, want 143"
	elif pgrep -f "$tmp/daemon" > /dev/null; then
		fail "$name-stop" "a daemon process is left"
	elif grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$tmp/$name.log"; then
		fail "$name-stop" "sanitizer report in the log"
	else
		pass "$name-stop"
	fi
}

# field FILE KEY: the value of "KEY:" in a /proc status file, tabs as spaces.
field() { sed -n "s/^$2:[[:space:]]*//p" "$1" | tr -s '\t ' '  ' | sed 's/ *$//'; }
# maps FILE: a /proc uid_map/gid_map as "A B C;A B C;..."
maps() { awk '{printf "%s %s %s;", $1, $2, $3}' "$1"; }
# owner PATH: uid:gid on the host, or "none"
owner() { stat -c %u:%g "$1" 2>/dev/null || echo none; }

# --- 1. no maps: the user's own uid and gid are root of the namespace ---
name=userns-nomap mode=755
if start $name; then
	st=/proc/$spid/status
	nspid=$(field $st NSpid) uids=$(field $st Uid) gids=$(field $st Gid)
	if [ "$nspid" != "$spid 1" ]; then
		fail $name-proc "NSpid '$nspid', want '$spid 1'"
	elif [ "$uids" != "$uid $uid $uid $uid" ] || [ "$gids" != "$gid $gid $gid $gid" ]; then
		fail $name-proc "Uid '$uids' Gid '$gids', want $uid and $gid"
	elif [ "$(maps /proc/$spid/uid_map)" != "0 $uid 1;" ] ||
	     [ "$(maps /proc/$spid/gid_map)" != "0 $gid 1;" ]; then
		fail $name-proc "uid_map '$(maps /proc/$spid/uid_map)' gid_map '$(maps /proc/$spid/gid_map)'"
	elif [ "$(cat /proc/$spid/setgroups)" != deny ]; then
		fail $name-proc "setgroups '$(cat /proc/$spid/setgroups)', want deny"
	elif [ "$(readlink /proc/$spid/ns/user)" = "$(readlink /proc/self/ns/user)" ]; then
		fail $name-proc "the serving process is in the host's user namespace"
	else
		pass $name-proc
	fi
	if build/client/smoke "$tmp/$name.sock" "$tmp/$name" > "$tmp/$name.smoke" 2>&1; then
		pass $name-smoke
	else
		fail $name-smoke "$(grep -m 3 FAIL "$tmp/$name.smoke" | tr '\n' ' ')"
	fi
	out=$(build/client/ids "$tmp/$name.sock" 0:0:by-root 1000:1000:by-1000 0:1000:gid-1000 2>&1)
	if [ "$(echo "$out" | grep '^by-root ')" != "by-root ok 0 0" ] ||
	   [ "$(owner "$tmp/$name/by-root")" != "$uid:$gid" ]; then
		fail $name-owner "guest root's file: '$(echo "$out" | head -n 1)', host owner $(owner "$tmp/$name/by-root"), want $uid:$gid"
	else
		pass $name-owner
	fi
	if [ "$(echo "$out" | grep '^by-1000 ')" != "by-1000 error 1" ] ||
	   [ "$(echo "$out" | grep '^gid-1000 ')" != "gid-1000 error 1" ] ||
	   [ -e "$tmp/$name/by-1000" ] || [ -e "$tmp/$name/gid-1000" ]; then
		fail $name-unmapped "want EPERM and no file: $(echo "$out" | tr '\n' ' ')"
	else
		pass $name-unmapped
	fi
	stop $name
fi

# --- 2. ranges through newuidmap/newgidmap ---
name=userns-maps mode=1777
umaps=(--uid-map=:0:$uid:1: --uid-map=:1:$sub_uid:$sub_uids:
       --gid-map=:0:$gid:1: --gid-map=/1/$sub_gid/$sub_gids/)
if start $name "${umaps[@]}"; then
	st=/proc/$spid/status
	want_u="0 $uid 1;1 $sub_uid $sub_uids;" want_g="0 $gid 1;1 $sub_gid $sub_gids;"
	if [ "$(maps /proc/$spid/uid_map)" != "$want_u" ] ||
	   [ "$(maps /proc/$spid/gid_map)" != "$want_g" ]; then
		fail $name-proc "uid_map '$(maps /proc/$spid/uid_map)' gid_map '$(maps /proc/$spid/gid_map)', want '$want_u' '$want_g'"
	elif [ "$(field $st NSpid)" != "$spid 1" ] || [ -n "$(field $st Groups)" ] ||
	     [ "$(cat /proc/$spid/setgroups)" != allow ]; then
		fail $name-proc "NSpid '$(field $st NSpid)' Groups '$(field $st Groups)' setgroups $(cat /proc/$spid/setgroups)"
	else
		pass $name-proc
	fi
	out_uid=$((sub_uids + 1)) out_gid=$((sub_gids + 1))
	out=$(build/client/ids "$tmp/$name.sock" 1000:1000:by-1000 0:0:by-root \
		$out_uid:0:uid-out 1000:$out_gid:gid-out 4294967295:0:uid-minus-1 \
		0:4294967295:gid-minus-1 2>&1)
	want_host=$((sub_uid + 999)):$((sub_gid + 999))
	if [ "$(echo "$out" | grep '^by-1000 ')" != "by-1000 ok 1000 1000" ] ||
	   [ "$(owner "$tmp/$name/by-1000")" != "$want_host" ]; then
		fail $name-owner "guest 1000:1000: '$(echo "$out" | grep '^by-1000')', host owner $(owner "$tmp/$name/by-1000"), want $want_host"
	elif [ "$(echo "$out" | grep '^by-root ')" != "by-root ok 0 0" ] ||
	     [ "$(owner "$tmp/$name/by-root")" != "$uid:$gid" ]; then
		fail $name-owner "guest root: '$(echo "$out" | grep '^by-root')', host owner $(owner "$tmp/$name/by-root")"
	else
		pass $name-owner
	fi
	bad=
	for f in uid-out gid-out uid-minus-1 gid-minus-1; do
		[ "$(echo "$out" | grep "^$f ")" = "$f error 1" ] && [ ! -e "$tmp/$name/$f" ] ||
			bad="$bad $f: '$(echo "$out" | grep "^$f ")' host $(owner "$tmp/$name/$f");"
	done
	if [ -n "$bad" ]; then
		fail $name-unmapped "want EPERM and no file:$bad"
	else
		pass $name-unmapped
	fi
	stop $name
fi

# --- 3. refusals: status 1, one line, nothing left running ---
# refuse NAME WHO ENVIRONMENT OPTION...: WHO is "user" or "root".
refuse() {
	local name=$1 who=$2 env=$3 status lines
	shift 3
	mkdir -p "$tmp/$name"
	chown "$uid:$gid" "$tmp/$name"
	local cmd=(env $env "$tmp/daemon" --socket-path="$tmp/$name.sock" --shared-dir="$tmp/$name" "$@")
	[ "$who" = user ] && cmd=("${as_user[@]}" "${cmd[@]}")
	timeout 10 "${cmd[@]}" > "$tmp/$name.log" 2>&1
	status=$?
	sleep 0.1
	lines=$(wc -l < "$tmp/$name.log")
	if [ "$status" -ne 1 ]; then
		fail "$name" "exit status $status, want 1: $(head -n 2 "$tmp/$name.log" | tr '\n' ' ')"
	elif [ "$lines" -ne 1 ]; then
		fail "$name" "$lines lines of error, want 1: $(head -n 3 "$tmp/$name.log" | tr '\n' ' ')"
	elif pgrep -f "$tmp/daemon" > /dev/null; then
		fail "$name" "a daemon process is left"
		pkill -9 -f "$tmp/daemon"
	else
		pass "$name ($(sed 's/^\[[^]]*\] //' "$tmp/$name.log"))"
	fi
}
mkdir -p "$tmp/empty-path"
refuse userns-refuse-sandbox-none user "" --sandbox=none --uid-map=:0:$uid:1:
refuse userns-refuse-sandbox-chroot user "" --sandbox=chroot --gid-map=:0:$gid:1:
refuse userns-refuse-translate-uid user "" --uid-map=:0:$uid:1: --translate-uid=map:0:0:1
refuse userns-refuse-translate-gid user "" --gid-map=:0:$gid:1: --translate-gid=map:0:0:1
refuse userns-refuse-root root "" --uid-map=:0:0:1:
refuse userns-refuse-two-fields user "" --uid-map=:0:$uid:
refuse userns-refuse-four-fields user "" --uid-map=:0:$uid:1::1:$sub_uid:$sub_uids:
refuse userns-refuse-no-end user "" --uid-map=:0:$uid:1
refuse userns-refuse-digit-separator user "" --uid-map=10${uid}010
refuse userns-refuse-not-number user "" --uid-map=:0:x:1:
refuse userns-refuse-count-0 user "" --uid-map=:0:$uid:0:
refuse userns-refuse-too-big user "" --uid-map=:0:$uid:1: --uid-map=:1:4294967290:10:
refuse userns-refuse-overlap user "" --uid-map=:0:$uid:1: --uid-map=:0:$sub_uid:10:
refuse userns-refuse-no-root user "" --uid-map=:1:$sub_uid:10:
refuse userns-refuse-newuidmap-fails user "" --uid-map=:0:$uid:1: --uid-map=:1:3000000000:10:
refuse userns-refuse-newgidmap-fails user "" --gid-map=:0:$gid:1: --gid-map=:1:3000000000:10:
refuse userns-refuse-no-newuidmap user "PATH=$tmp/empty-path" --uid-map=:0:$uid:1:
exit $rc
