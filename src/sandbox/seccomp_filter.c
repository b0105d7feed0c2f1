#include "seccomp_filter.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <ucontext.h>
#include <unistd.h>

#include "log/log.h"

/* Collected from strace of the guest suites (plain and ASan builds, every
 * feature on) plus the calls of code paths those suites do not reach.
 * Not here although the first list had them: accept and shutdown (the
 * socket is served with accept4, never shut down), chdir (only fchdir
 * once serving, pt_xattr.c), fchmod and fchown (the *at forms),
 * pread64, pwrite64, preadv2, pwritev2 (preadv and pwritev, pt_io.c):
 * neither the daemon nor a glibc function it calls past start-up makes
 * them. */
static const char *const allowed[] = {
	/* memory, threads, signals, time */
	"brk", "mmap", "munmap", "mprotect", "madvise", "mremap", "futex",
	"set_robust_list", "get_robust_list", "rseq", "exit",
	"exit_group", "set_tid_address", "rt_sigaction", "rt_sigprocmask",
	"rt_sigreturn", "sigaltstack", "tgkill", "tkill", "getpid", "gettid",
	"getppid", "sched_yield", "sched_getaffinity", "nanosleep",
	/* how the kernel resumes a timed sleep or wait after a stop (SIGSTOP,
	 * a debugger attaching): the call itself was allowed */
	"restart_syscall",
	"clock_nanosleep", "clock_gettime", "gettimeofday", "getrandom",
	"prlimit64", "getrlimit", "getrusage",
	/* the vhost-user socket, eventfds */
	"read", "write", "readv", "writev", "recvmsg", "sendmsg", "recvfrom",
	"accept4", "poll", "ppoll", "epoll_create1", "epoll_ctl",
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd2", "close",
	/* the passthrough filesystem */
	"openat", "open", "statx", "newfstatat", "fstat", "lstat", "stat",
	"fstatfs", "statfs", "lseek", "dup", "dup2", "dup3", "fcntl", "preadv",
	"pwritev", "getdents64",
	"mkdirat", "mknodat", "symlinkat", "linkat", "unlinkat", "renameat",
	"renameat2", "readlinkat", "readlink", "fchmodat", "fchownat",
	"utimensat", "ftruncate", "fallocate", "fsync", "fdatasync",
	"syncfs", "copy_file_range", "flock", "name_to_handle_at",
	"open_by_handle_at", "fgetxattr", "fsetxattr", "flistxattr",
	"fremovexattr", "getxattr", "setxattr", "listxattr", "removexattr",
	"lgetxattr", "lsetxattr", "llistxattr", "lremovexattr", "faccessat",
	"faccessat2", "access", "fchdir", "umask",
	/* per-request capabilities (creds.c), ids */
	"capget", "capset", "geteuid", "getuid", "getegid", "getgid",
};

/* With a socket() of AF_UNIX only (syslog_rules). */
static const char *const for_syslog[] = { "connect", "sendto" };

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

/* glibc's pthread_create passes exactly these with the TLS and tid bits
 * (2.36; the same in clone3's struct): a thread shares all of them. */
#define THREAD_FLAGS \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)
/* Never with a thread: a new namespace, or a child that is not one. */
#define NOT_A_THREAD                                                                    \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |   \
	 CLONE_NEWPID | CLONE_NEWNET | CLONE_VFORK | CLONE_PARENT)
/* The kernel reads clone()'s flags and uid_t/gid_t as 32 bits: the
 * register's upper half is whatever the caller left there (the clone
 * rule's mask holds low bits only). */
#define LOW32 0xffffffffu
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define ARG_IS_32(n, v) SCMP_CMP64(n, SCMP_CMP_MASKED_EQ, LOW32, (uint32_t)(v))

struct arg_rule {
	const char *what; /* for the log */
	const char *name;
	uint32_t action;  /* SCMP_ACT_ALLOW unless said */
	unsigned n_args;
	struct scmp_arg_cmp args[2];
};

/* Calls allowed with some arguments only: past start-up the daemon
 * creates threads, never processes or namespaces. */
static const struct arg_rule arg_rules[] = {
	{ "clone of a thread", "clone", SCMP_ACT_ALLOW, 1,
	  { SCMP_A0_64(SCMP_CMP_MASKED_EQ, THREAD_FLAGS | NOT_A_THREAD, THREAD_FLAGS) } },
	/* Its flags are behind a pointer the filter cannot read: ENOSYS
	 * makes glibc fall back to clone, checked above. */
	{ "clone3 as ENOSYS", "clone3", SCMP_ACT_ERRNO(ENOSYS), 0, { { 0 } } },
	/* creds_private_fs(): each thread's own umask and cwd. */
	{ "unshare(CLONE_FS)", "unshare", SCMP_ACT_ALLOW, 1,
	  { SCMP_A0_64(SCMP_CMP_EQ, CLONE_FS) } },
	/* creds_enter/leave switch the effective id only (raw syscalls, one
	 * thread); that id is the request's, any value the maps allow, so
	 * only the real and saved ids can be pinned ("unchanged"). */
	{ "setresuid(-1, euid, -1)", "setresuid", SCMP_ACT_ALLOW, 2,
	  { ARG_IS_32(0, -1), ARG_IS_32(2, -1) } },
	{ "setresgid(-1, egid, -1)", "setresgid", SCMP_ACT_ALLOW, 2,
	  { ARG_IS_32(0, -1), ARG_IS_32(2, -1) } },
	/* Only to sharpen a queue thread's timer (--kick-holdoff's naps);
	 * nothing else prctl can change is needed past start-up. */
	{ "prctl(PR_SET_TIMERSLACK)", "prctl", SCMP_ACT_ALLOW, 1,
	  { SCMP_A0_64(SCMP_CMP_EQ, PR_SET_TIMERSLACK) } },
};

/* syslog(3) (re)connects to /dev/log. */
static const struct arg_rule syslog_rules[] = {
	{ "socket(AF_UNIX)", "socket", SCMP_ACT_ALLOW, 1, { SCMP_A0_64(SCMP_CMP_EQ, AF_UNIX) } },
};

#ifdef SANITIZER_BUILD
/* LeakSanitizer's stop-the-world tracer: a task sharing the memory, not a
 * thread (it ptraces the threads). */
static const struct arg_rule sanitizer_rules[] = {
	{ "clone of LeakSanitizer's tracer", "clone", SCMP_ACT_ALLOW, 1,
	  { ARG_IS_32(0, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED) } },
};
#endif

static int add_rules(scmp_filter_ctx ctx, const struct arg_rule *rules, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct arg_rule *a = &rules[i];
		int nr = seccomp_syscall_resolve_name(a->name);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not a syscall on this architecture */
		int r = seccomp_rule_add_array(ctx, a->action, nr, a->n_args, a->args);
		if (r < 0) {
			log_error("seccomp: adding %s: %s", a->what, strerror(-r));
			return -1;
		}
	}
	return 0;
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
	int r = allow_list(ctx, allowed, COUNT(allowed));
	if (!r)
		r = add_rules(ctx, arg_rules, COUNT(arg_rules));
	if (!r && extra_syslog)
		r = allow_list(ctx, for_syslog, COUNT(for_syslog));
	if (!r && extra_syslog)
		r = add_rules(ctx, syslog_rules, COUNT(syslog_rules));
#ifdef SANITIZER_BUILD
	if (!r)
		r = allow_list(ctx, for_sanitizers, COUNT(for_sanitizers));
	if (!r)
		r = add_rules(ctx, sanitizer_rules, COUNT(sanitizer_rules));
#endif
	if (!r && (r = seccomp_load(ctx)) < 0)
		log_error("seccomp: loading the filter: %s", strerror(-r));
	seccomp_release(ctx);
	return r < 0 ? -1 : 0;
}
