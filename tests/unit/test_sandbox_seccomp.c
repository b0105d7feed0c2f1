/* The seccomp filter's actions, each in a child process of its own (a
 * filter cannot be removed). */
#include "sandbox/seccomp_filter.h"
#include "check.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

int main(void)
{
	trap_fails_with_enosys();
	kill_kills();
	return 0;
}
