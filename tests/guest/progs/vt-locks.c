/* vt-locks FILE [HOOK]: POSIX record locks (fcntl F_SETLK/F_GETLK) as POSIX says
 * they behave, between this process and forked children: a lock belongs to
 * a process, not to a file descriptor, so a child conflicts with it even
 * through an inherited descriptor, the owner's own locks never conflict
 * with it, and closing ANY descriptor of the file drops all of the
 * process's locks on it.  One "PASS name" or "FAIL name: why" line each.
 * HOOK, a shell command, runs while the first lock is held. */
#include "vt.h"
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void result(const char *name, int ok, const char *why)
{
	if (ok)
		printf("PASS %s\n", name);
	else
		printf("FAIL %s: %s\n", name, why);
	failures += !ok;
	fflush(stdout);
}

static int lock(int fd, short type, off_t start, off_t len)
{
	struct flock l = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	return fcntl(fd, F_SETLK, &l) < 0 ? -errno : 0;
}

/* The type of the first lock conflicting with a write lock on the range. */
static short probe(int fd, off_t start, off_t len)
{
	struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	return fcntl(fd, F_GETLK, &l) < 0 ? -1 : l.l_type;
}

/* In a child: try a write lock on the range through fd (-1: a descriptor
 * of its own on path); 0 or the negative errno. */
static int child_lock(const char *path, int fd, off_t start, off_t len)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (fd < 0 && (fd = open(path, O_RDWR)) < 0)
			_exit(100);
		int r = lock(fd, F_WRLCK, start, len);
		_exit(r == 0 ? 0 : r == -EAGAIN || r == -EACCES ? 1 : 101);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -ECHILD;
	return WEXITSTATUS(st) == 0 ? 0 : WEXITSTATUS(st) == 1 ? -EAGAIN : -EIO;
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 3)
		vt_usage("vt-locks FILE [HOOK]");
	const char *path = argv[1];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		vt_errno_exit();

	result("lock", lock(fd, F_WRLCK, 0, 10) == 0, "F_SETLK failed");
	if (argc == 3) {
		fflush(stdout);
		result("hook", system(argv[2]) == 0, argv[2]);
	}
	result("own-lock-no-conflict", probe(fd, 0, 10) == F_UNLCK, "F_GETLK reports our own lock");
	result("other-process-conflicts", child_lock(path, -1, 0, 10) == -EAGAIN,
	       "a child locked the range we hold");
	result("inherited-fd-conflicts", child_lock(path, fd, 0, 10) == -EAGAIN,
	       "a child locked our range through the descriptor it inherited");
	result("free-range", child_lock(path, -1, 10, 10) == 0, "a child could not lock a free range");

	/* Downgrade in place, then split by unlocking half. */
	result("convert-to-read", lock(fd, F_RDLCK, 0, 10) == 0, "F_RDLCK over our F_WRLCK failed");
	result("unlock-half", lock(fd, F_UNLCK, 0, 5) == 0, "F_UNLCK failed");
	result("unlocked-half-free", child_lock(path, -1, 0, 5) == 0, "the unlocked half is still held");
	result("kept-half-held", child_lock(path, -1, 5, 5) == -EAGAIN, "the kept half was lost");

	/* close(2) of another descriptor of the file drops every lock. */
	lock(fd, F_WRLCK, 0, 10);
	int other = open(path, O_RDONLY);
	if (other < 0)
		vt_errno_exit();
	close(other);
	result("close-other-fd-releases", child_lock(path, -1, 0, 10) == 0,
	       "our locks outlived the close of another descriptor of the file");
	result("lock-again", lock(fd, F_WRLCK, 0, 10) == 0, "could not lock again");
	close(fd);

	/* The first lock through a read-only descriptor, then a write lock
	 * through a writable one: allowed, since POSIX asks only that each
	 * descriptor's access match the type of the lock made through it. */
	int rd = open(path, O_RDONLY), wr = open(path, O_RDWR);
	if (rd < 0 || wr < 0)
		vt_errno_exit();
	result("read-lock-read-only-fd", lock(rd, F_RDLCK, 0, 10) == 0, "F_RDLCK failed");
	int r = lock(wr, F_WRLCK, 0, 10);
	result("then-write-lock-writable-fd", r == 0, r == -EBADF ? "EBADF" : "F_WRLCK failed");
	result("write-lock-held", child_lock(path, -1, 0, 10) == -EAGAIN,
	       "a child locked the range we write-locked");
	close(rd);
	close(wr);
	printf("NOTE vt-locks: %d failed\n", failures);
	return failures != 0;
}
