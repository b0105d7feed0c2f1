#!/bin/bash
# The daemon's open descriptors, sampled during the walk, stayed under the
# RLIMIT_NOFILE it was given (--rlimit-nofile on its command line).
set -uo pipefail
# shellcheck source=../../host-check-lib.sh
. "$(dirname "$(readlink -f "$0")")/../../host-check-lib.sh"
state=$TB_TEST_TMP/fd-sampler
budget=$(head -n 1 "$TB_TEST_TMP/daemon.log" | grep -o -- '--rlimit-nofile=[0-9]*' | tail -n 1 | cut -d= -f2)
max=$(cat "$state/max-fds" 2> /dev/null || echo 0)
rss=$(cat "$state/max-rss-kb" 2> /dev/null || echo 0)
samples=$(cat "$state/samples" 2> /dev/null || echo 0)
rss0=$(cat "$state/start-rss-kb" 2> /dev/null || echo 0)
anon0=$(cat "$state/start-anon-kb" 2> /dev/null || echo 0)
anon=$(cat "$state/max-anon-kb" 2> /dev/null || echo 0)
echo "NOTE daemon: max $max open fds (RLIMIT_NOFILE ${budget:-?}), RSS $rss0 kB at start, max $rss kB (anon $anon0 -> $anon kB), $samples samples"
# bench/fd-walk.sh collects the figures.
if [ -n "${FD_WALK_RESULTS:-}" ]; then
	echo "max_fds=$max budget=${budget:-0} start_rss_kb=$rss0 max_rss_kb=$rss start_anon_kb=$anon0 max_anon_kb=$anon samples=$samples" \
		>> "$FD_WALK_RESULTS"
fi
# The sampler must have seen the daemon serving (more than its start-up fds).
if [ "$samples" -gt 0 ] && [ "$max" -gt 20 ]; then
	echo "PASS host-fd-sampler"
else
	echo "FAIL host-fd-sampler: $samples samples, max $max fds"
fi
if [ -n "$budget" ] && [ "$max" -lt "$budget" ]; then
	echo "PASS host-fds-under-budget"
else
	echo "FAIL host-fds-under-budget: max $max open fds, RLIMIT_NOFILE ${budget:-unset}"
fi
