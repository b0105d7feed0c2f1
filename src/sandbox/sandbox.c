#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log/log.h"
#include "userns.h"

static int open_proc_self_fd(void)
{
	int fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		log_error("cannot open /proc/self/fd: %s", strerror(errno));
	return fd;
}

static const int termination_sigs[] = { SIGINT, SIGTERM, SIGHUP };
#define N_TERMINATION_SIGS (sizeof(termination_sigs) / sizeof(termination_sigs[0]))

static pid_t sandboxed_child;

static void forward_signal(int sig)
{
	kill(sandboxed_child, sig);
}

/* The parent stays in the original PID namespace only to report the child's
 * exit status to whoever started us (QEMU, libvirt, a test), and to pass on
 * the termination signals they send it. */
static void wait_for_child(pid_t child, const sigset_t *mask)
{
	int status;
	struct sigaction sa = { .sa_handler = forward_signal }, old;
	sandboxed_child = child;
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < N_TERMINATION_SIGS; i++) {
		/* What the starter chose to ignore stays ignored. */
		if (sigaction(termination_sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(termination_sigs[i], &sa, NULL);
	}
	/* A signal that came meanwhile is forwarded now. */
	sigprocmask(SIG_SETMASK, mask, NULL);
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR) {
			log_error("waitpid: %s", strerror(errno));
			_exit(1);
		}
	}
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1);
}

/* The child is PID 1 of its namespace, and the kernel drops every signal
 * whose disposition is the default one at a namespace's init: without a
 * handler, SIGTERM (from systemd, libvirt, the parent forwarding it, or the
 * parent-death signal) would be ignored. */
static void exit_on_signal(int sig)
{
	_exit(128 + sig);
}

static void catch_termination(void)
{
	struct sigaction sa = { .sa_handler = exit_on_signal }, old;
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < N_TERMINATION_SIGS; i++) {
		/* What the starter chose to ignore (nohup, a shell's "&") stays ignored. */
		if (sigaction(termination_sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(termination_sigs[i], &sa, NULL);
	}
}

static int enter_namespaces(const struct options *o, bool userns)
{
	const int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET;
	if (userns) {
		if (userns_enter(o, flags) < 0)
			return -1;
	} else if (unshare(flags) < 0) {
		log_error("unshare(mount, pid, net namespaces): %s", strerror(errno));
		return -1;
	}
	/* A termination signal may come at any moment (a test or systemd
	 * sends it as soon as the socket exists).  The child inherits the
	 * exiting handlers across fork, so that one forwarded to it is never
	 * dropped (the kernel discards a signal sent to a namespace's init that
	 * has no handler, even a blocked one); the signals stay blocked until
	 * each side has its own handlers. */
	sigset_t term, old;
	sigemptyset(&term);
	for (unsigned i = 0; i < N_TERMINATION_SIGS; i++)
		sigaddset(&term, termination_sigs[i]);
	sigprocmask(SIG_BLOCK, &term, &old);
	catch_termination();
	/* The parent holds the write end: the child sees EOF once it is gone
	 * (getppid() cannot tell: it reads 0 in the new PID namespace). */
	int alive[2];
	if (pipe2(alive, O_CLOEXEC) < 0) {
		log_error("pipe: %s", strerror(errno));
		return -1;
	}
	pid_t child = fork();
	if (child < 0) {
		log_error("fork: %s", strerror(errno));
		return -1;
	}
	if (child > 0) {
		close(alive[0]);
		wait_for_child(child, &old);
	}
	close(alive[1]);
	/* Before the death signal: a change of credentials clears it. */
	if (userns && userns_become_root() < 0)
		_exit(1);
	/* The child dies with the parent: nothing is left serving unsupervised. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	struct pollfd pf = { .fd = alive[0], .events = POLLIN };
	if (poll(&pf, 1, 0) != 0)
		_exit(1); /* the parent died before the death signal was set */
	close(alive[0]);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}

static int setup_mounts(const char *shared_dir, int *proc_fd)
{
	/* Slave propagation: mounts the host adds or removes under the share
	 * after we start are seen here, and nothing we do leaks back. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		log_error("making / a slave mount: %s", strerror(errno));
		return -1;
	}
	/* A /proc of our own PID namespace, used only for /proc/self/fd. */
	if (mount("proc", "/proc", "proc", MS_NODEV | MS_NOEXEC | MS_NOSUID | MS_RELATIME, NULL) < 0) {
		log_error("mounting /proc: %s", strerror(errno));
		return -1;
	}
	*proc_fd = open_proc_self_fd();
	if (*proc_fd < 0)
		return -1;
	if (mount(shared_dir, shared_dir, NULL, MS_BIND | MS_REC, NULL) < 0) {
		log_error("bind-mounting %s: %s", shared_dir, strerror(errno));
		return -1;
	}
	if (chdir(shared_dir) < 0) {
		log_error("chdir %s: %s", shared_dir, strerror(errno));
		return -1;
	}
	/* pivot_root(".", ".") stacks the old root on top of the new one;
	 * detaching it leaves only the share reachable. */
	if (syscall(SYS_pivot_root, ".", ".") < 0) {
		log_error("pivot_root into %s: %s", shared_dir, strerror(errno));
		return -1;
	}
	if (umount2(".", MNT_DETACH) < 0) {
		log_error("detaching the old root: %s", strerror(errno));
		return -1;
	}
	if (chdir("/") < 0)
		return -1;
	return 0;
}

/* glibc's malloc reads /proc/sys/vm/overcommit_memory the first time it
 * shrinks the heap of a thread's arena.  Inside the sandbox that path is
 * the guest's share, where a FIFO blocks the thread for good (a queue
 * thread, or the main thread freeing at exit).  A thread of our own,
 * which gets an arena of its own, frees enough at the top of its heap to
 * be trimmed: the host's file is read now, and never again.  (Blocks
 * below the mmap threshold, 128 KiB, and above the 64 KiB from which a
 * free tries to trim.) */
static void *shrink_a_heap(void *arg)
{
	void *p[8];
	for (int i = 0; i < 8; i++)
		p[i] = malloc(96 * 1024);
	for (int i = 8; i-- > 0;)
		free(p[i]);
	return arg;
}

/* After the namespaces are entered: unshare(CLONE_NEWUSER) and CLONE_NEWNS
 * want a process with one thread, and a joined thread may still be
 * leaving the kernel. */
static void load_malloc_host_state(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, shrink_a_heap, NULL) == 0)
		pthread_join(t, NULL);
}

int sandbox_enter(const struct options *o, struct sandbox_result *r)
{
	r->root = o->shared_dir;
	r->proc_self_fd = -1;
	r->user_namespace = o->sandbox == SANDBOX_NAMESPACE && geteuid() != 0;
	switch (o->sandbox) {
	case SANDBOX_NONE:
		r->proc_self_fd = open_proc_self_fd();
		return r->proc_self_fd < 0 ? -1 : 0;
	case SANDBOX_CHROOT:
		r->proc_self_fd = open_proc_self_fd();
		if (r->proc_self_fd < 0)
			return -1;
		load_malloc_host_state();
		if (chroot(o->shared_dir) < 0 || chdir("/") < 0) {
			log_error("chroot %s: %s", o->shared_dir, strerror(errno));
			return -1;
		}
		r->root = "/";
		return 0;
	case SANDBOX_NAMESPACE:
		if (enter_namespaces(o, r->user_namespace) < 0)
			return -1;
		load_malloc_host_state();
		if (setup_mounts(o->shared_dir, &r->proc_self_fd) < 0)
			return -1;
		r->root = "/";
		return 0;
	}
	return -1;
}
