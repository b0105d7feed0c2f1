#!/bin/bash
# The fd-budget walk at bench size (issue 12): a guest walks a host tree of
# DIRS x 10 x 100 files (default 200: 200,000 files, 202,200 entries) --
# find, lstat of every entry, the first bytes of every file -- against each
# daemon, and this prints per daemon: entries found (walk result), the
# daemon's most open fds and RLIMIT_NOFILE, its RSS (VmRSS: includes the
# guest RAM it maps, shared) and anonymous RSS (RssAnon: its heap) at most,
# and the anonymous memory per entry found (growth from its first sample).
# Only the daemon's processes are sampled (their --socket-path), not QEMU.
#   bench/fd-walk.sh [--dirs=N] [--rlimit=N] [--ref-rlimit=N] [DAEMON...]
# DAEMON: ours (file handles, default), ours-never (--inode-file-handles=
# never), ref-c, ref-rust, ref-rust-fh (the Rust daemon with
# --inode-file-handles=mandatory: it then keeps no descriptor per inode);
# default: ours ours-never ref-c.  Ours runs with --rlimit-nofile=RLIMIT
# (default 1024); the references with --ref-rlimit (default 1024: the C
# one and ref-rust keep one O_PATH descriptor per inode and stop at EMFILE,
# which is the comparison; give more to measure their memory with more
# inodes known: 202,200 need about 203,000).  The script raises its hard
# RLIMIT_NOFILE to the largest limit asked for (ulimit -Hn, which needs
# CAP_SYS_RESOURCE; the C reference would otherwise ignore the EPERM and
# stay at the old limit, the Rust one exits) and stops if it cannot.
# All daemons run on --stack=floor (QEMU 7.2, Linux 6.1; ref-rust runs
# there too).  Uses build/virtiofsd (no sanitizers).
# Last run (README, "Host descriptors and memory"), on a machine whose
# hard limit is 20,000 and cannot be raised (no CAP_SYS_RESOURCE):
#   bench/fd-walk.sh --dirs=200 --ref-rlimit=20000 ours ours-never ref-c ref-rust ref-rust-fh
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=200 rlimit=1024 ref_rlimit=1024 daemons=()
for a in "$@"; do
	case $a in
	--dirs=*) dirs=${a#--dirs=} ;;
	--rlimit=*) rlimit=${a#--rlimit=} ;;
	--ref-rlimit=*) ref_rlimit=${a#--ref-rlimit=} ;;
	-*) echo "fd-walk: unknown option $a" >&2; exit 2 ;;
	*) daemons+=("$a") ;;
	esac
done
[ ${#daemons[@]} -gt 0 ] || daemons=(ours ours-never ref-c)
# The daemons inherit the hard RLIMIT_NOFILE: raise it to the most asked for.
need=0
for d in "${daemons[@]}"; do
	case $d in
	ours|ours-never) [ "$rlimit" -le "$need" ] || need=$rlimit ;;
	*) [ "$ref_rlimit" -le "$need" ] || need=$ref_rlimit ;;
	esac
done
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$need" -gt "$hard" ] && ! ulimit -Hn "$need" 2> /dev/null; then
	echo "fd-walk: cannot raise the hard RLIMIT_NOFILE from $hard to $need (needs root with" \
		"CAP_SYS_RESOURCE, and fs.nr_open >= $need): give --rlimit/--ref-rlimit of $hard or less" >&2
	exit 2
fi
make -s all
res=$(mktemp /tmp/fd-walk.XXXXXX)
trap 'rm -f "$res" "$res".*' EXIT
printf '%-11s %9s %9s %8s %8s %10s %10s %10s %9s\n' daemon entries found walk-err max-fds rlimit \
	rss-kB anon-kB "B/inode"
for d in "${daemons[@]}"; do
	case $d in
	ours) kind=ours args="--rlimit-nofile=$rlimit" ;;
	ours-never) kind=ours args="--rlimit-nofile=$rlimit --inode-file-handles=never" ;;
	ref-c) kind=ref-c args="--rlimit-nofile=$ref_rlimit" ;;
	ref-rust) kind=ref-rust args="--rlimit-nofile=$ref_rlimit" ;;
	ref-rust-fh) kind=ref-rust args="--rlimit-nofile=$ref_rlimit --inode-file-handles=mandatory" ;;
	*) echo "fd-walk: unknown daemon $d" >&2; exit 2 ;;
	esac
	: > "$res.$d"
	FD_WALK_RESULTS=$res.$d FD_BUDGET_DIRS=$dirs VIRTIOFSD_BIN=build/virtiofsd \
		VIRTIOFSD_TESTBED_TIMEOUT=${VIRTIOFSD_TESTBED_TIMEOUT:-7200} \
		tests/guest/run.sh --daemon="$kind" --daemon-args="$args" bench/guest/fd-walk \
		> "$res.$d.log" 2>&1 || true
	# The walk's result line: "OK entries=N files=F dirs=D errors=E", or
	# the FAIL line quoting it.
	want=$(grep -o 'NOTE tree of [0-9]*' "$res.$d.log" | grep -o '[0-9]*$' || echo 0)
	found=$(grep -o 'NOTE find: [0-9]*' "$res.$d.log" | grep -o '[0-9]*$' || echo 0)
	errors=$(grep -o 'NOTE walk: .*errors=[0-9]*' "$res.$d.log" | grep -o '[0-9]*$' || echo "?")
	line=$(tail -n 1 "$res.$d")
	get() { echo "$line" | grep -o "$1=[0-9]*" | cut -d= -f2; }
	a0=$(get start_anon_kb) a1=$(get max_anon_kb)
	per=$(( found > 0 ? ((${a1:-0} - ${a0:-0}) * 1024) / found : 0 ))
	printf '%-11s %9s %9s %8s %8s %10s %10s %10s %9s\n' "$d" "$want" "$found" "$errors" \
		"$(get max_fds)" "$(get budget)" "$(get max_rss_kb)" "${a1:-0}" "$per"
	grep -E '\] FAIL' "$res.$d.log" | head -n 3 >&2 || true
done
