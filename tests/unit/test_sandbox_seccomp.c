/* The seccomp filter's actions, each in a child process of its own (a
 * filter cannot be removed). */
#include "sandbox/seccomp_filter.h"
#include "check.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Not on the allowlist, harmless, in neither build's. */
#define FORBIDDEN SYS_getpgid

/* --seccomp=trap: the forbidden call is reported and fails with ENOSYS.
 * (The kernel hands the handler the registers rolled back, the syscall
 * number in the return register: left there, getpgid "returned" 121, and
 * a forbidden openat would "return" a descriptor number that is not its.) */
static void trap_fails_with_enosys(void)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (seccomp_install(SECCOMP_TRAP, false) < 0)
			_exit(10);
		errno = 0;
		long r = syscall(FORBIDDEN, 0);
		if (r == -1 && errno == ENOSYS)
			_exit(0);
		_exit(r == FORBIDDEN ? 11 : 12);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	EQ(WEXITSTATUS(status), 0);
}

/* --seccomp=kill: the process dies of SIGSYS. */
static void kill_kills(void)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (seccomp_install(SECCOMP_KILL, false) < 0)
			_exit(10);
		syscall(FORBIDDEN, 0);
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status));
	EQ(WTERMSIG(status), SIGSYS);
}

/* A call the filter refuses fails with ENOSYS under --seccomp=trap: the
 * kernel's own errors (EINVAL, EPERM) mean the filter let it through. */
static bool refused(long r)
{
	return r == -1 && errno == ENOSYS;
}

static int failures;

static void expect(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "seccomp argument rules: %s\n", what);
		failures++;
	}
}

static void *thread_main(void *arg)
{
	return arg;
}

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)

/* Threads, not processes or namespaces.  The clone probes are flag sets
 * the kernel itself rejects (EINVAL), so that a filter letting them
 * through never starts a task on this stack. */
static void check_process_creation(void)
{
	pthread_t t;
	int rc = pthread_create(&t, NULL, thread_main, NULL);
	expect(rc == 0 && pthread_join(t, NULL) == 0, "pthread_create failed");
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	expect(refused(pid), "fork() allowed");
	if (pid > 0)
		waitpid(pid, NULL, 0);
	expect(refused(syscall(SYS_clone, THREAD_FLAGS | CLONE_NEWUSER, 0, 0, 0, 0)),
	       "clone(thread | CLONE_NEWUSER) allowed");
	expect(refused(syscall(SYS_clone, THREAD_FLAGS | CLONE_NEWNS, 0, 0, 0, 0)),
	       "clone(thread | CLONE_NEWNS) allowed");
	/* Size 0 is EINVAL to the kernel. */
	expect(refused(syscall(SYS_clone3, NULL, 0)), "clone3 not ENOSYS");
	expect(unshare(CLONE_FS) == 0, "unshare(CLONE_FS) failed");
	expect(refused(unshare(CLONE_NEWNS)), "unshare(CLONE_NEWNS) allowed");
	expect(refused(unshare(CLONE_FS | CLONE_NEWNET)), "unshare(CLONE_FS | CLONE_NEWNET) allowed");
}

/* The effective id only, as creds_enter() switches it; the calls nothing
 * makes are gone. */
static void check_ids(void)
{
	long euid = geteuid(), egid = getegid();
	expect(syscall(SYS_setresgid, -1, egid, -1) == 0, "setresgid(-1, egid, -1) failed");
	expect(syscall(SYS_setresuid, -1, euid, -1) == 0, "setresuid(-1, euid, -1) failed");
	expect(refused(syscall(SYS_setresuid, euid, -1, -1)), "setresuid(ruid, -1, -1) allowed");
	expect(refused(syscall(SYS_setresgid, -1, -1, egid)), "setresgid(-1, -1, sgid) allowed");
	expect(refused(syscall(SYS_setuid, euid)), "setuid allowed");
	expect(refused(syscall(SYS_setgid, egid)), "setgid allowed");
	expect(refused(syscall(SYS_setfsuid, -1)), "setfsuid allowed");
	expect(refused(syscall(SYS_setfsgid, -1)), "setfsgid allowed");
}

/* Calls nothing makes once serving: refused, not the kernel's EBADF. */
static void check_removed(void)
{
	char b[1];
	struct iovec v = { b, 1 };
	expect(refused(syscall(SYS_accept, -1, NULL, NULL)), "accept allowed");
	expect(refused(syscall(SYS_shutdown, -1, SHUT_RDWR)), "shutdown allowed");
	expect(refused(syscall(SYS_chdir, "/nonexistent/seccomp-test")), "chdir allowed");
	expect(refused(syscall(SYS_fchmod, -1, 0)), "fchmod allowed");
	expect(refused(syscall(SYS_fchown, -1, -1, -1)), "fchown allowed");
	expect(refused(syscall(SYS_pread64, -1, b, 1, 0)), "pread64 allowed");
	expect(refused(syscall(SYS_pwrite64, -1, b, 1, 0)), "pwrite64 allowed");
	expect(refused(syscall(SYS_preadv2, -1, &v, 1, 0, 0, 0)), "preadv2 allowed");
	expect(refused(syscall(SYS_pwritev2, -1, &v, 1, 0, 0, 0)), "pwritev2 allowed");
}

static void check_sockets(bool syslog)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	expect(syslog ? fd >= 0 : refused(fd), syslog ? "socket(AF_UNIX) failed with --syslog"
						: "socket() allowed without --syslog");
	if (fd >= 0)
		close(fd);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	expect(refused(fd), "socket(AF_INET) allowed");
	if (fd >= 0)
		close(fd);
}

static void argument_rules(bool syslog)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (seccomp_install(SECCOMP_TRAP, syslog) < 0)
			_exit(100);
		check_process_creation();
		check_ids();
		check_removed();
		check_sockets(syslog);
		_exit(failures);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	EQ(WEXITSTATUS(status), 0);
}

/* A process stopped and continued (SIGSTOP, a debugger attaching) in a
 * timed sleep or timed futex wait resumes it through restart_syscall:
 * under --seccomp=kill that must not kill the daemon. */
static void survives_stop_and_continue(void)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (seccomp_install(SECCOMP_KILL, false) < 0)
			_exit(10);
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 600 * 1000 * 1000 };
		/* The raw call: glibc's wrapper would not tell a restart. */
		_exit(syscall(SYS_nanosleep, &ts, NULL) == 0 ? 0 : 11);
	}
	struct timespec settle = { .tv_sec = 0, .tv_nsec = 200 * 1000 * 1000 };
	nanosleep(&settle, NULL);
	int status;
	CHECK(kill(pid, SIGSTOP) == 0);
	CHECK(waitpid(pid, &status, WUNTRACED) == pid);
	CHECK(WIFSTOPPED(status));
	CHECK(kill(pid, SIGCONT) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	if (WIFSIGNALED(status))
		fprintf(stderr, "stopped and continued child died of signal %d\n", WTERMSIG(status));
	CHECK(WIFEXITED(status));
	EQ(WEXITSTATUS(status), 0);
}

int main(void)
{
	trap_fails_with_enosys();
	kill_kills();
	survives_stop_and_continue();
	argument_rules(false);
	argument_rules(true);
	return 0;
}
