#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static pid_t sandboxed_child;

static void forward_signal(int sig)
{
	kill(sandboxed_child, sig);
}

/* The parent stays in the original PID namespace only to report the child's
 * exit status to whoever started us (QEMU, libvirt, a test), and to pass on
 * the termination signals they send it. */
static void wait_for_child(pid_t child)
{
	int status;
	struct sigaction sa = { .sa_handler = forward_signal };
	sandboxed_child = child;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
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
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = exit_on_signal }, old;
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* What the starter chose to ignore (nohup, a shell's "&") stays ignored. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
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
	pid_t child = fork();
	if (child < 0) {
		log_error("fork: %s", strerror(errno));
		return -1;
	}
	pid_t parent = getppid();
	if (child > 0)
		wait_for_child(child);
	/* Before the death signal: a change of credentials clears it. */
	if (userns && userns_become_root() < 0)
		_exit(1);
	catch_termination();
	/* The child dies with the parent: nothing is left serving unsupervised.
	 * (In the new PID namespace getppid() reads 0 once the parent is gone.) */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
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
		if (chroot(o->shared_dir) < 0 || chdir("/") < 0) {
			log_error("chroot %s: %s", o->shared_dir, strerror(errno));
			return -1;
		}
		r->root = "/";
		return 0;
	case SANDBOX_NAMESPACE:
		if (enter_namespaces(o, r->user_namespace) < 0 ||
		    setup_mounts(o->shared_dir, &r->proc_self_fd) < 0)
			return -1;
		r->root = "/";
		return 0;
	}
	return -1;
}
