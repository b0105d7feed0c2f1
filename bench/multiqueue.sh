#!/bin/bash
# Several request queues against one: the parallel guest workloads
# (bench/guest/parallel: fio with 2 jobs, two untars at once) on the current
# stack (Linux >= 6.10 spreads its CPUs over the queues), our daemon with
# num-request-queues=1 and =N alternating, ROUNDS times; prints the median of
# each measurement and the ratio (N queues vs 1: higher is better).
#   bench/multiqueue.sh [--queues=N] [--rounds=R] [--stack=current]
set -euo pipefail
cd "$(dirname "$0")/.."
queues=2 rounds=1 stack=current
for a in "$@"; do
	case $a in
	--queues=*) queues=${a#--queues=} ;;
	--rounds=*) rounds=${a#--rounds=} ;;
	--stack=*) stack=${a#--stack=} ;;
	*) echo "multiqueue.sh: unknown argument $a" >&2; exit 2 ;;
	esac
done
make -s all
out=$(mktemp /tmp/multiqueue.XXXXXX)
trap 'rm -f "$out"' EXIT
for r in $(seq "$rounds"); do
	for q in 1 "$queues"; do
		VIRTIOFSD_BIN=build/virtiofsd VIRTIOFSD_TESTBED_TIMEOUT=900 \
			tests/guest/run.sh --daemon=ours --stack="$stack" --queues="$q" bench/guest/parallel |
			grep -E '\] (BENCH|FAIL)' | sed "s/^\[ours /[q$q /" | tee -a "$out" >&2 || true
	done
done
awk -v n="q$queues" '
	$3 == "BENCH" {
		d = substr($1, 2); key = $4; unit[key] = $6
		c[d, key]++; v[d, key, c[d, key]] = $5; names[key] = 1
	}
	function median(d, k,   m, i, j, t, a) {
		m = c[d, k]; if (!m) return ""
		for (i = 1; i <= m; i++) a[i] = v[d, k, i]
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	}
	END {
		printf "%-28s %12s %12s %8s  %s\n", "measurement", "1 queue", n, "ratio", "unit"
		for (k in names) {
			o = median("q1", k); r = median(n, k)
			if (o == "" || r == "") continue
			ratio = (unit[k] == "s") ? (r > 0 ? o / r : 0) : (o > 0 ? r / o : 0)
			printf "%-28s %12s %12s %8.2f  %s\n", k, o, r, ratio, unit[k]
		}
	}' "$out" | sort
