#!/bin/sh
# Request rates of our daemon and the reference one, measured by the host-side
# client (build/bench/rate, the test client built optimised without
# sanitizers: GETATTR, LOOKUP, READ 4 KiB, WRITE 4 KiB at 1 and
# 16 requests in flight), next to the rate of the bare host syscall.
#   bench/client-rate.sh [SECONDS]        (default 2 per measurement)
# Environment: RATE_OPS (the client's ops, default getattr,lookup,read,write;
# meta: the guest's metadata benchmark, create/stat/rename/unlink in files
# per second, tests/client/rate_meta.h), RATE_DEPTHS (default 1,16: the
# depths measured), OURS_VIRTIOFSD
# (default build/virtiofsd), REF_VIRTIOFSD (default
# /usr/lib/qemu/virtiofsd), REF_KIND (default ref, QEMU's C daemon;
# bench/ref-rust.sh: the Rust 1.13 one, in the "ref" columns),
# SKIP_OURS=1 / SKIP_REF=1, RATE_NO_EVENT_IDX=1,
# RATE_THINK_US=T (independent streams, each waiting 0-2T us between its
# answer and its next request; the client spins then: use PIN=split),
# SHARE_FS=host|tmpfs|xfs|ext4 (where the shares live, bench/share-fs.sh;
# default host: under /tmp), RATE_IO_SIZE=BYTES (READ/WRITE size, up to
# 1 MiB) and RATE_PAGE_SEGS=1
# (their payload one page per descriptor, as the guest sends direct I/O),
# PIN=shared|split|none (default shared):
#   shared: client and daemon on CPU 0.  Reproducible (runs agree within a
#           few %): measures the CPU cost of a request, no parallelism.
#   split:  client on CPU 0, daemon on the other CPUs (cross-CPU wakeups).
#   none:   the scheduler decides; on this 2-CPU machine each daemon start
#           lands in one of two placements whose rates differ up to 2x, so
#           compare only medians of several runs.
# Prints one table: requests per second, ours/ref, and each/raw; then depth 1
# as microseconds per request against the wake-up floor (bench/pingpong.c)
# measured with the same pinning, between two threads and two processes.
set -u
cd "$(dirname "$0")/.." || exit 1
secs=${1:-2}
ours=${OURS_VIRTIOFSD:-build/virtiofsd}
ref=${REF_VIRTIOFSD:-/usr/lib/qemu/virtiofsd}
out=$(mktemp -d /tmp/client-rate.XXXXXX)
. bench/share-fs.sh
trap 'share_fs_drop "$out"; rm -rf "$out"' EXIT
shares=$(share_fs_make "${SHARE_FS:-host}" "$out") || exit 1

make -s build/bench/rate build/bench/pingpong || exit 1

case ${PIN:-shared} in
shared) export CLIENT_CPUS=0 DAEMON_CPUS=0; floor_cpus="0 0" ;;
split) export CLIENT_CPUS=0 DAEMON_CPUS=1-$(($(nproc) - 1)); floor_cpus="0 1" ;;
none) floor_cpus= ;;
*) echo "PIN must be shared, split or none" >&2; exit 2 ;;
esac
echo "pinning: ${PIN:-shared}; $secs s per measurement" >&2

# run NAME KIND: measure one daemon into $out/NAME.txt
run() {
	mkdir -p "$shares/share-$1"
	if OURS_VIRTIOFSD=$ours REF_VIRTIOFSD=$ref DAEMON_LOG="$out/$1.log" \
		tests/client/with-daemon.sh "$2" "$shares/share-$1" \
		build/bench/rate @SOCK@ "$shares/share-$1" "$secs" ${RATE_OPS:-} >"$out/$1.txt"; then
		echo "measured $1 ($(grep -c ^RESULT "$out/$1.txt") results)" >&2
	else
		echo "$1: the client failed; its output and the daemon log:" >&2
		cat "$out/$1.txt" "$out/$1.log" >&2
		: >"$out/$1.txt"
	fi
}

: >"$out/ours.txt"
: >"$out/ref.txt"
if [ "${SKIP_OURS:-0}" != 1 ]; then
	if [ -x "$ours" ] && "$ours" --help >/dev/null 2>&1; then
		run ours ours
	else
		echo "ours: $ours missing or not runnable; skipped" >&2
	fi
fi
[ "${SKIP_REF:-0}" != 1 ] && run ref "${REF_KIND:-ref}"

# The wake-up floors with the same placement: two threads, and two
# processes (the daemon is a process of its own).
build/bench/pingpong "$secs" $floor_cpus | sed 's/^pingpong_us/FLOOR threads/' >"$out/floor.txt"
build/bench/pingpong -p "$secs" $floor_cpus | sed 's/^pingpong_us/FLOOR processes/' >>"$out/floor.txt"

# RESULT lines give per-(op,depth) rates; RAW lines the host syscall rate
# (taken from the reference run when both ran; they measure the same host).
awk '
function val(line, key,    n, i, kv) {
	n = split(line, f, " ")
	for (i = 1; i <= n; i++) { split(f[i], kv, "="); if (kv[1] == key) return kv[2] }
	return ""
}
function ratio(a, b) { return (a != "" && b != "" && b > 0) ? sprintf("%.2f", a / b) : "-" }
FNR == 1 { who = (FILENAME ~ /ours.txt$/) ? "ours" : "ref" }
/^RESULT/ {
	k = val($0, "op") " " val($0, "depth")
	rate[who, k] = val($0, "rate")
	if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
}
/^RAW/ { raw[val($0, "op")] = val($0, "rate") }
/^FLOOR/ { floor[$2] = $3 }
END {
	printf "%-8s %5s %10s %10s %9s %10s %9s %9s\n", "op", "depth", "ours/s", "ref/s", "ours/ref", "raw/s", "ours/raw", "ref/raw"
	for (i = 1; i <= nk; i++) {
		split(order[i], p, " ")
		o = rate["ours", order[i]]; r = rate["ref", order[i]]; w = raw[p[1]]
		printf "%-8s %5s %10s %10s %9s %10s %9s %9s\n", p[1], p[2],
			o == "" ? "-" : o, r == "" ? "-" : r, ratio(o, r), w == "" ? "-" : w,
			ratio(o, w), ratio(r, w)
	}
	# Depth 1 as time per request against the floors (< 1: under it).
	if (("threads" in floor) && ("processes" in floor)) {
		printf "\nwake-up floor: %.2f us between two threads, %.2f us between two processes\n",
			floor["threads"], floor["processes"]
		printf "%-8s %9s %9s %14s %14s\n", "depth 1", "ours us", "ref us", "ours/threads", "ours/processes"
		for (i = 1; i <= nk; i++) {
			split(order[i], p, " ")
			if (p[2] != 1) continue
			o = rate["ours", order[i]]; r = rate["ref", order[i]]
			ou = o > 0 ? 1e6 / o : 0; ru = r > 0 ? 1e6 / r : 0
			printf "%-8s %9s %9s %14s %14s\n", p[1], ou ? sprintf("%.2f", ou) : "-",
				ru ? sprintf("%.2f", ru) : "-",
				ou ? sprintf("%.2f", ou / floor["threads"]) : "-",
				ou ? sprintf("%.2f", ou / floor["processes"]) : "-"
		}
	}
}' "$out/ours.txt" "$out/ref.txt" "$out/floor.txt"
