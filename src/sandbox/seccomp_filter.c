#include "seccomp_filter.h"

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <ucontext.h>
#include <unistd.h>

#include "log/log.h"

/* Collected from strace of the guest suites (plain and ASan builds, every
 * feature on) plus the calls of code paths those suites do not reach. */
static const char *const allowed[] = {
	/* memory, threads, signals, time */
	"brk", "mmap", "munmap", "mprotect", "madvise", "mremap", "futex",
	"set_robust_list", "get_robust_list", "rseq", "clone", "clone3", "exit",
	"exit_group", "set_tid_address", "rt_sigaction", "rt_sigprocmask",
	"rt_sigreturn", "sigaltstack", "tgkill", "tkill", "getpid", "gettid",
	"getppid", "sched_yield", "sched_getaffinity", "nanosleep",
	"clock_nanosleep", "clock_gettime", "gettimeofday", "getrandom",
	"prlimit64", "getrlimit", "getrusage",
	/* the vhost-user socket, eventfds */
	"read", "write", "readv", "writev", "recvmsg", "sendmsg", "recvfrom",
	"accept", "accept4", "poll", "ppoll", "epoll_create1", "epoll_ctl",
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd2", "shutdown", "close",
	/* the passthrough filesystem */
	"openat", "open", "statx", "newfstatat", "fstat", "lstat", "stat",
	"fstatfs", "statfs", "lseek", "dup", "dup2", "dup3", "fcntl", "preadv",
	"pwritev", "preadv2", "pwritev2", "pread64", "pwrite64", "getdents64",
	"mkdirat", "mknodat", "symlinkat", "linkat", "unlinkat", "renameat",
	"renameat2", "readlinkat", "readlink", "fchmodat", "fchmod", "fchownat",
	"fchown", "utimensat", "ftruncate", "fallocate", "fsync", "fdatasync",
	"syncfs", "copy_file_range", "flock", "name_to_handle_at",
	"open_by_handle_at", "fgetxattr", "fsetxattr", "flistxattr",
	"fremovexattr", "getxattr", "setxattr", "listxattr", "removexattr",
	"lgetxattr", "lsetxattr", "llistxattr", "lremovexattr", "faccessat",
	"faccessat2", "access", "fchdir", "chdir", "umask", "unshare",
	/* per-request credentials */
	"setresuid", "setresgid", "setuid", "setgid", "setfsuid", "setfsgid",
	"capget", "capset", "geteuid", "getuid", "getegid", "getgid",
};

static const char *const for_syslog[] = { "socket", "connect", "sendto" };

#if defined(__SANITIZE_ADDRESS__)
/* Sanitizer builds only (the tests): LeakSanitizer stops the world at exit
 * with a ptrace-ing helper thread.  Release builds never allow these. */
#define SANITIZER_BUILD 1
static const char *const for_sanitizers[] = {
	"ptrace", "wait4", "waitid", "prctl", "sched_getaffinity", "sigaltstack",
	"getdents", "getdents64", "readlink", "open", "ioctl", "uname",
};
#endif

static void report_sigsys(int sig, siginfo_t *info, void *uc)
{
	/* Async-signal-safe: format the number by hand. */
	char msg[64] = "virtiofsd: forbidden syscall ";
	size_t len = strlen(msg);
	int nr = info->si_syscall;
	char digits[12];
	int n = 0;
	do {
		digits[n++] = (char)('0' + nr % 10);
		nr /= 10;
	} while (nr && n < (int)sizeof(digits));
	while (n)
		msg[len++] = digits[--n];
	msg[len++] = '\n';
	if (write(STDERR_FILENO, msg, len) < 0)
		_exit(1);
	/* The kernel skipped the call and left its number in the return
	 * register: make it fail with ENOSYS, or the caller takes the number
	 * for a result (a descriptor, a byte count). */
#if defined(__x86_64__)
	((ucontext_t *)uc)->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#elif defined(__aarch64__)
	((ucontext_t *)uc)->uc_mcontext.regs[0] = (unsigned long long)-ENOSYS;
#endif
}

static int allow_list(scmp_filter_ctx ctx, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not a syscall on this architecture */
		int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0) {
			log_error("seccomp: allowing %s: %s", names[i], strerror(-r));
			return -1;
		}
	}
	return 0;
}

int seccomp_install(enum seccomp_action action, bool extra_syslog)
{
	uint32_t act;
	switch (action) {
	case SECCOMP_NONE:
		return 0;
	case SECCOMP_KILL:
		act = SCMP_ACT_KILL_PROCESS;
		break;
	case SECCOMP_LOG:
		act = SCMP_ACT_LOG;
		break;
	case SECCOMP_TRAP: {
		struct sigaction sa = { .sa_sigaction = report_sigsys, .sa_flags = SA_SIGINFO };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSYS, &sa, NULL);
		act = SCMP_ACT_TRAP;
		break;
	}
	default:
		return -1;
	}
	scmp_filter_ctx ctx = seccomp_init(act);
	if (!ctx) {
		log_error("seccomp: cannot create a filter");
		return -1;
	}
	int r = allow_list(ctx, allowed, sizeof(allowed) / sizeof(allowed[0]));
	/* prctl only to sharpen a queue thread's timer (--kick-holdoff's
	 * naps); nothing else prctl can change is needed past start-up. */
	if (!r && (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
					SCMP_A0(SCMP_CMP_EQ, PR_SET_TIMERSLACK))) < 0)
		log_error("seccomp: allowing prctl(PR_SET_TIMERSLACK): %s", strerror(-r));
	if (!r && extra_syslog)
		r = allow_list(ctx, for_syslog, sizeof(for_syslog) / sizeof(for_syslog[0]));
#ifdef SANITIZER_BUILD
	if (!r)
		r = allow_list(ctx, for_sanitizers, sizeof(for_sanitizers) / sizeof(for_sanitizers[0]));
#endif
	if (!r && (r = seccomp_load(ctx)) < 0)
		log_error("seccomp: loading the filter: %s", strerror(-r));
	seccomp_release(ctx);
	return r < 0 ? -1 : 0;
}
