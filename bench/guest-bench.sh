#!/bin/bash
# Guest workloads side by side: each benchmark boots the test guest against
# our daemon and against the reference, alternating, ROUNDS times, and prints
# the median per measurement and the ratio (ours vs reference: higher is
# better for ours, whatever the unit).
#   bench/guest-bench.sh [--ref=ref-c] [--rounds=N] [--daemon-args=...] [fio meta untar]
set -euo pipefail
cd "$(dirname "$0")/.."
ref=ref-c rounds=1 ours_args="" benches=()
for a in "$@"; do
	case $a in
	--ref=*) ref=${a#--ref=} ;;
	--rounds=*) rounds=${a#--rounds=} ;;
	--daemon-args=*) ours_args=${a#--daemon-args=} ;;
	*) benches+=("$a") ;;
	esac
done
[ ${#benches[@]} -gt 0 ] || benches=(fio meta untar)
make -s all
out=$(mktemp /tmp/guest-bench.XXXXXX)
trap 'rm -f "$out"' EXIT
for b in "${benches[@]}"; do
	for r in $(seq "$rounds"); do
		for d in ours "$ref"; do
			args=()
			[ "$d" = ours ] && args=(--daemon-args="$ours_args")
			VIRTIOFSD_BIN=build/virtiofsd VIRTIOFSD_TESTBED_TIMEOUT=900 \
				tests/guest/run.sh --daemon="$d" "${args[@]}" "bench/guest/$b" |
				grep -E '\] (BENCH|FAIL)' | tee -a "$out" >&2 || true
		done
	done
done
# [daemon test] BENCH name value unit -> median per (daemon, name), ratio.
awk -v ref="$ref" '
	$3 == "BENCH" {
		d = substr($1, 2); key = $4; unit[key] = $6
		n[d, key]++; v[d, key, n[d, key]] = $5; names[key] = 1
	}
	function median(d, k,   m, i, j, t, a) {
		m = n[d, k]; if (!m) return ""
		for (i = 1; i <= m; i++) a[i] = v[d, k, i]
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	}
	END {
		printf "%-22s %12s %12s %8s  %s\n", "measurement", "ours", ref, "ratio", "unit"
		for (k in names) {
			o = median("ours", k); r = median(ref, k)
			if (o == "" || r == "") continue
			# seconds: less is better; rates: more is better
			ratio = (unit[k] == "s") ? (o > 0 ? r / o : 0) : (r > 0 ? o / r : 0)
			printf "%-22s %12s %12s %8.2f  %s\n", k, o, r, ratio, unit[k]
		}
	}' "$out" | sort
