#!/usr/bin/env bash
# The whole test suite, on a fresh Debian bookworm machine as root:
#   installs what it needs, builds, runs the unit tests, the host-side client
#   tests, then the real-guest tests against this daemon (and, for comparison,
#   against the reference daemon).  Ends with one line "N passed, N failed".
#
# Environment: TESTS_GUEST_REF=0 skips the reference-daemon runs;
#              TESTS_GUEST=0 skips the guest tests;
#              TESTS_CURRENT=0 skips the current stack (QEMU 10 + Linux 6.12);
#              TESTS_FUZZ_SECONDS=N runs each fuzzer N seconds (default 20).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
log=$(mktemp /tmp/virtiofsd-tests.XXXXXX)
trap 'rm -f "$log"' EXIT

stage() { printf '\n=== %s\n' "$*"; }

# Every stage prints result lines, "PASS name" / "FAIL name: why", optionally
# behind a "[daemon test] " prefix (the guest runner's); we count them all.
is_pass='^(\[[^]]*\] )?PASS'
is_fail='^(\[[^]]*\] )?FAIL'
is_skip='^(\[[^]]*\] )?SKIP'

run_stage() {
	local name=$1; shift
	stage "$name"
	local out
	out=$(mktemp /tmp/virtiofsd-stage.XXXXXX)
	"$@" 2>&1 | tee "$out"
	local rc=${PIPESTATUS[0]}
	# A stage that failed without saying which check failed still fails.
	if [ "$rc" -ne 0 ] && ! grep -Eq "$is_fail" "$out"; then
		echo "FAIL $name: exited with status $rc" | tee -a "$out"
	fi
	cat "$out" >> "$log"
	rm -f "$out"
}

stage "dependencies"
source tests/guest/deps.sh
testbed_install_deps || { echo "FAIL deps: could not install packages"; echo "0 passed, 1 failed"; exit 1; }

stage "build"
if make -j2 all asan >/dev/null 2>"$log.build" && make -j2 client >/dev/null 2>>"$log.build"; then
	echo "PASS build" | tee -a "$log"
else
	cat "$log.build"
	echo "FAIL build" | tee -a "$log"
fi
rm -f "$log.build"

run_stage "unit tests" make -s unit

smoke_share=$(mktemp -d /tmp/vfs-smoke.XXXXXX)
run_stage "client smoke test (host-side VMM + driver)" env OURS_VIRTIOFSD=build-asan/virtiofsd \
	tests/client/with-daemon.sh ours "$smoke_share" build/client/smoke @SOCK@ "$smoke_share"
rm -rf "$smoke_share"
run_stage "hostile-input client tests" tests/client/hostile.sh ours
run_stage "hostile-input client tests, --thread-pool-size=4" env DAEMON_OPTS=--thread-pool-size=4 \
	tests/client/hostile.sh ours
# The sanitizer build's filter allows more: the release binary's must
# allow every call a rare request makes, or the guest kills the daemon;
# the same for what the SIGBUS handler does when a frontend shrinks a file.
run_stage "rare requests and shrunk memory files under the release build's seccomp filter" \
	env OURS_VIRTIOFSD=build/virtiofsd tests/client/hostile.sh ours rare-requests 'shrink-.*'
run_stage "worker pool and queue polling under ThreadSanitizer (client at 1 and 16 in flight)" tests/client/tsan-pool.sh
run_stage "conflicting requests on several queues (TSan and ASan daemons)" tests/client/race.sh
# The escape cases again with the kernel's walls up: what a request may
# reach must not depend on the sandbox mode.
escape_cases="name-empty name-unterminated name-slash name-too-long name-dot-dotdot-at-root
	dotdot-from-subdir dotdot-moved-out name-embedded-nul symlink-escape symlink-created-escape
	rename-link-unknown-nodes open-fifo open-socket open-device open-creat xattr-names-bad
	mig-state-handle-outside"
for mode in namespace chroot; do
	# shellcheck disable=SC2086
	run_stage "hostile-input escape cases, --sandbox=$mode" env HOSTILE_SANDBOX=$mode \
		tests/client/hostile.sh ours $escape_cases
done
for mode in none namespace; do
	run_stage "live migration between two daemons (client), --sandbox=$mode" \
		env MIGRATE_SANDBOX=$mode tests/client/migrate.sh
done
run_stage "--print-capabilities (what libvirt reads)" python3 -c '
import json, subprocess
d = json.loads(subprocess.run(["build/virtiofsd", "--print-capabilities"], check=True,
                              capture_output=True, text=True).stdout)
ok = d.get("type") == "fs" and {"migrate-precopy", "separate-options"} <= set(d.get("features", []))
print(("PASS" if ok else "FAIL") + " print-capabilities" + ("" if ok else ": %r" % d))'
run_stage "socket activation (--fd, LISTEN_FDS) and --socket-group" tests/client/socket-activation.sh
run_stage "termination, stop and continue signals in each sandbox mode" tests/client/signals.sh
run_stage "a failed start-up removes its socket and its claim" tests/client/startup-failure.sh
run_stage "one daemon per socket path (SOCKET.pid), also beside the Rust daemon" tests/client/one-daemon-per-socket.sh
run_stage "--xattrmap into trusted.*: warned without CAP_SYS_ADMIN, works with it" tests/client/trusted-xattrmap.sh
run_stage "--syslog reaches /dev/log from inside each sandbox" tests/client/syslog.sh
run_stage "host files libraries open are never looked up in the share" tests/client/share-host-files.sh
run_stage "the daemon run by an ordinary user (--sandbox=none and namespace)" \
	env OURS_VIRTIOFSD=build-asan/virtiofsd tests/client/unprivileged.sh
run_stage "user namespace sandbox (--uid-map/--gid-map)" tests/client/userns.sh
run_stage "fuzzers (libFuzzer)" fuzz/run.sh --seconds="${TESTS_FUZZ_SECONDS:-20}"

if [ "${TESTS_GUEST:-1}" != 0 ]; then
	run_stage "guest tests: this daemon, floor stack (QEMU 7.2, Linux 6.1)" \
		tests/guest/run.sh --daemon=ours --stack=floor
	# The other sandbox modes: the suites about files, names and
	# privileges (the full suite per mode: tests/guest/run.sh
	# --daemon-args=--sandbox=MODE).
	for mode in chroot none; do
		run_stage "guest tests: this daemon, --sandbox=$mode, floor stack" \
			tests/guest/run.sh --daemon=ours --stack=floor --daemon-args=--sandbox=$mode \
			io names attrs posix setgid-create killpriv xattrmap xattr-types
	done
	# The guest's writeback cache: it writes whole pages, keeps c/mtime
	# itself and flushes on close (posix's UTIME_NOW check and noflush assume it off).
	run_stage "guest tests: this daemon, --writeback, floor stack" \
		tests/guest/run.sh --daemon=ours --stack=floor --daemon-args=--writeback io aio-verify
	# Long timeouts, kept page cache and cached listings (FOPEN_CACHE_DIR),
	# with the guest making every change itself.
	run_stage "guest tests: this daemon, --cache=always, floor stack" \
		tests/guest/run.sh --daemon=ours --stack=floor --daemon-args=--cache=always \
		io names posix readdir
	if [ "${TESTS_GUEST_REF:-1}" != 0 ]; then
		run_stage "guest tests: reference C daemon, floor stack" \
			tests/guest/run.sh --daemon=ref-c --stack=floor
	fi
	if [ "${TESTS_CURRENT:-1}" != 0 ]; then
		# Linux 6.12 spreads its CPUs over the request queues: two here.
		run_stage "guest tests: this daemon, current stack (QEMU 10, Linux 6.12), 2 request queues" \
			tests/guest/run.sh --daemon=ours --stack=current --queues=2
		# Two QEMU 10 instances per scenario, each with its own daemon
		# on one share (tests/guest/migration/).
		# The worker pool under the guest's concurrent requests, shared
		# by two queues; a reboot with the pool's requests in flight.
		run_stage "guest tests: this daemon, --thread-pool-size=4, current stack, 2 request queues" \
			tests/guest/run.sh --daemon=ours --stack=current --queues=2 \
			--daemon-args=--thread-pool-size=4 io posix aio-verify stress reboot
		# The optional polling mode (--queue-poll) with a real guest: the
		# data path, and a reset while the queue threads spin.
		run_stage "guest tests: this daemon, --queue-poll=50, current stack, 2 request queues" \
			tests/guest/run.sh --daemon=ours --stack=current --queues=2 \
			--daemon-args=--queue-poll=50 io aio-verify reboot
		run_stage "live migration with a real guest: this daemon, current stack" \
			tests/guest/migrate.sh --daemon=ours
		run_stage "live migration with a real guest: this daemon, --migration-mode=file-handles" \
			tests/guest/migrate.sh --daemon=ours --daemon-args=--migration-mode=file-handles \
			open-files renamed-on-host
		# Replies written by pool workers must reach the dirty log too;
		# and the source's checks of what it sends (handles to verify,
		# paths confirmed at the switch-over).
		run_stage "live migration with a real guest: this daemon, --thread-pool-size=4, --migration-verify-handles, --migration-confirm-paths" \
			tests/guest/migrate.sh --daemon=ours \
			--daemon-args="--thread-pool-size=4 --migration-verify-handles --migration-confirm-paths" \
			fio-verify open-files
	fi
fi

passed=$(grep -Ec "$is_pass" "$log")
failed=$(grep -Ec "$is_fail" "$log")
skipped=$(grep -Ec "$is_skip" "$log")
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
