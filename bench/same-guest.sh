#!/bin/bash
# Our daemon and a reference side by side in ONE guest: two vhost-user-fs
# devices (ours at /mnt, the reference at /mnt2, each with its own share on
# the same host filesystem), every workload run on one and then the other,
# the order swapped each round (bench/guest/same-guest).  Boot-to-boot
# drift, which in separate boots spreads single runs as widely as the
# daemons differ, falls out of each pair; the table prints medians and the
# median of the per-round ratios (higher is better for ours, whatever the
# unit) with the interval that holds it at about 90 % (bench/ratio-table.awk),
# plus each daemon's CPU time for the whole boot.
#   bench/same-guest.sh [--ref=ref-c|ref-rust|ours[,...]] [--stack=floor|current]
#                       [--rounds=N] [--seconds=N] [--vcpus=N] [--daemon-args=ARGS]
#                       [--ref-args=ARGS] [--ref-env=VAR=VALUE] [--swap] [--keep]
#                       [--share-fs=host|tmpfs|xfs|ext4] [fio fio16 fio1 fioseq meta untar]
# --ref=ours is the A/A check of the method (ours against ours, labelled
# ours-b, both with --daemon-args) or, with --ref-args / --ref-env (for the
# second daemon only), an A/B of an option or an experiment in one guest.
# One boot per reference; --seconds is each fio job's length (default 10);
# --rounds (default 4) is best even: each daemon goes first equally often
# (the first run of a workload in a fresh guest also pays for warming it up).
# --swap: the reference on the first device (/mnt) and ours on the second,
# to tell a difference between the daemons from one between the positions.
# fio16, fio1, fioseq: only fio's two jobs at 16 in flight, at 1 in flight,
# or sequential (a quicker A/B).  --keep: keep
# each boot's folder (the daemons' logs, e.g. the queues' counts at exit).
# --share-fs: where both shares live: host (default) is /tmp's filesystem;
# tmpfs, or a new xfs or ext4 (with its journal) on a 4 GiB loop file made
# for the run (bench/share-fs.sh says why).
# --vcpus: the guest's vCPUs; default 2 on the floor stack (the workloads and
# interrupts pinned to vCPU 0) and 1 on the current one, where Linux 6.12's
# virtio-fs interrupts are managed and refuse the move to vCPU 0.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/share-fs.sh
refs=ref-c stack=floor rounds=4 secs=10 vcpus="" ours_args="" ref_args="" ref_env="" swap=0 keep="" benches=()
share_fs=host
for a in "$@"; do
	case $a in
	--ref=*) refs=${a#--ref=} ;;
	--stack=*) stack=${a#--stack=} ;;
	--rounds=*) rounds=${a#--rounds=} ;;
	--seconds=*) secs=${a#--seconds=} ;;
	--vcpus=*) vcpus=${a#--vcpus=} ;;
	--daemon-args=*) ours_args=${a#--daemon-args=} ;;
	--ref-args=*) ref_args=${a#--ref-args=} ;;
	--ref-env=*=*) ref_env=${a#--ref-env=} ;;
	--swap) swap=1 ;;
	--keep) keep=--keep ;;
	--share-fs=*) share_fs=${a#--share-fs=} ;;
	fio|fio16|fio1|fioseq|meta|untar) benches+=("$a") ;;
	*) echo "same-guest: unknown argument $a" >&2; exit 2 ;;
	esac
done
[ ${#benches[@]} -gt 0 ] || benches=(fio meta untar)
[ -n "$vcpus" ] || { [ "$stack" = current ] && vcpus=1 || vcpus=2; }
IFS=, read -r -a ref_list <<< "$refs"
for r in "${ref_list[@]}"; do
	case $r in ref-c|ref-rust|ours) ;; *) echo "same-guest: --ref must be ref-c, ref-rust or ours" >&2; exit 2 ;; esac
done
make -s all
work=$(mktemp -d /tmp/same-guest.XXXXXX)
trap 'share_fs_drop "$work"; rm -rf "$work"' EXIT
# The test bed makes each boot's folder, the shares in it, in $TMPDIR.
TMPDIR=$(share_fs_make "$share_fs" "$work")
export TMPDIR
cp -r bench/guest/same-guest "$work/same-guest"
echo "$rounds" > "$work/same-guest/rounds"
echo "$secs" > "$work/same-guest/seconds"
echo "${benches[*]}" > "$work/same-guest/benches"
out=$work/bench.out
for ref in "${ref_list[@]}"; do
	# Labels: ours of this boot, and the second daemon (ours-b in an A/A).
	a=ours-$ref b=$ref
	second_args=$ref_args
	[ "$ref" != ours ] || { a=ours-a b=ours-b second_args="$ours_args $ref_args"; }
	ours_cpu="/usr/bin/time -f %U+%S -o $work/cpu-$a"
	ref_cpu="${ref_env:+env $ref_env }/usr/bin/time -f %U+%S -o $work/cpu-$b"
	# The first device's daemon and the second's, with their arguments.
	first=(ours "$ours_args" "$ours_cpu") second=("$ref" "$second_args" "$ref_cpu")
	[ $swap -eq 0 ] || { first=("$ref" "$second_args" "$ref_cpu") second=(ours "$ours_args" "$ours_cpu"); }
	TB_DAEMON_PREFIX=${first[2]} TB_SECOND_PREFIX=${second[2]} \
	VIRTIOFSD_BIN=build/virtiofsd VIRTIOFSD_TESTBED_TIMEOUT=3600 \
		tests/guest/run.sh $keep --daemon="${first[0]}" --second="${second[0]}" --stack="$stack" \
		--vcpus="$vcpus" --daemon-args="${first[1]}" --second-args="${second[1]}" \
		"$work/same-guest" |
		tee "$work/run-$ref.log" | grep -E '\] (BENCH|FAIL|NOTE)' >&2 || true
	# "[DAEMON same-guest] BENCH name value unit first|second" -> per daemon.
	# Ours is labelled per boot: a ratio pairs values of the same guest.
	on_first=$a on_second=$b
	[ $swap -eq 0 ] || { on_first=$b on_second=$a; }
	sed -n "s/^\[[a-z-]* same-guest\] \(BENCH .*\) first$/[$on_first same-guest] \1/p; s/^\[[a-z-]* same-guest\] \(BENCH .*\) second$/[$on_second same-guest] \1/p" \
		"$work/run-$ref.log" > "$out"
	for d in "$a" "$b"; do
		if grep -q '^[0-9.]*+[0-9.]*$' "$work/cpu-$d" 2>/dev/null; then
			printf '[%s same-guest] BENCH daemon-cpu %s s\n' "$d" \
				"$(awk -F+ '{ printf "%.2f", $1 + $2 }' "$work/cpu-$d")" >> "$out"
		fi
	done
	echo "same guest, stack $stack, $vcpus vCPUs, $rounds rounds, shares on $share_fs: ours ($a) against $b${ref_args:+ (second: $ref_args)}${ref_env:+ (second: $ref_env)}$([ $swap -eq 0 ] || echo ", ours on the second device")"
	awk -v cand="$a" -v bases="$b" -f bench/ratio-table.awk "$out" | sort
done
