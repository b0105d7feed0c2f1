/* vt-posix DIR [XDEV]: the project's POSIX conformance checks, run as root in
 * the guest on the virtio-fs mount.  DIR is created fresh (must not exist).
 * XDEV, optional, is a directory of the share on another host filesystem (a
 * small host tmpfs, not announced as a submount): link and rename across it
 * must give EXDEV from the host, and filling it ENOSPC.
 * Prints one "PASS name" / "FAIL name: why" line per check; checks that need
 * an unprivileged caller run in a forked child that drops to uid/gid 1000 or
 * 1001 (setgroups, setresgid, setresuid).  Every stat goes through
 * statx(AT_STATX_FORCE_SYNC) so the attributes come from the daemon, not from
 * the guest's attribute cache.  Exit status: 0, or 1 when a check failed. */
#include "vt.h"
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/falloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#define U1 1000
#define G1 1000
#define U2 1001
#define G2 1001
#define OTHER_GID 1234
#define FUSE_SUPER_MAGIC 0x65735546
#define OLD_TIME 1000000000 /* 2001: set before an operation that must move a time */

static int failures;

static void pass(const char *name)
{
	printf("PASS %s\n", name);
}

static void fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures++;
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

static void expect_ok(const char *name, long ret, int err)
{
	if (ret < 0)
		fail(name, "failed with %s", ename(err));
	else
		pass(name);
}

static void expect_err(const char *name, long ret, int err, int want1, int want2)
{
	if (ret >= 0)
		fail(name, "succeeded (returned %ld), want %s", ret, ename(want1));
	else if (err != want1 && err != want2)
		fail(name, "got %s, want %s", ename(err), ename(want1));
	else
		pass(name);
}

/* OK: the call must succeed; ERR/ERR2: it must fail with that errno.  Both
 * evaluate to the call's return value. */
#define OK(name, call) ({ errno = 0; long _r = (long)(call); int _e = errno; \
	expect_ok(name, _r, _e); _r; })
#define ERR2(name, call, e1, e2) ({ errno = 0; long _r = (long)(call); int _e = errno; \
	expect_err(name, _r, _e, e1, e2); _r; })
#define ERR(name, call, e) ERR2(name, call, e, e)

static void eq(const char *name, long long got, long long want)
{
	if (got == want)
		pass(name);
	else
		fail(name, "got %lld (0%llo), want %lld (0%llo)", got, got, want, want);
}

static void eqs(const char *name, const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		pass(name);
	else
		fail(name, "got '%s', want '%s'", got, want);
}

static void truth(const char *name, bool cond, const char *why)
{
	if (cond)
		pass(name);
	else
		fail(name, "%s", why);
}

/* ---- attributes, always fetched from the daemon ---- */

struct st {
	bool ok;
	int err;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	nlink_t nlink;
	long long size, blocks;
	unsigned long long ino;
	dev_t rdev;
	struct timespec atime, mtime, ctime;
};

static struct timespec ts(struct statx_timestamp t)
{
	return (struct timespec){ .tv_sec = t.tv_sec, .tv_nsec = t.tv_nsec };
}

static struct st stat_at(int dirfd, const char *path, int flags)
{
	struct statx x;
	struct st s = { 0 };

	if (syscall(SYS_statx, dirfd, path, flags | AT_STATX_FORCE_SYNC,
		    STATX_BASIC_STATS, &x) < 0) {
		s.err = errno;
		return s;
	}
	s.ok = true;
	s.mode = x.stx_mode;
	s.uid = x.stx_uid;
	s.gid = x.stx_gid;
	s.nlink = x.stx_nlink;
	s.size = (long long)x.stx_size;
	s.blocks = (long long)x.stx_blocks;
	s.ino = x.stx_ino;
	s.rdev = makedev(x.stx_rdev_major, x.stx_rdev_minor);
	s.atime = ts(x.stx_atime);
	s.mtime = ts(x.stx_mtime);
	s.ctime = ts(x.stx_ctime);
	return s;
}

/* lstat-like (does not follow a last symlink). */
static struct st S(const char *path)
{
	return stat_at(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
}

static struct st SF(int fd)
{
	return stat_at(fd, "", AT_EMPTY_PATH);
}

/* stat(2)-like, as a call: 0, or -1 with errno. */
static int stat_follow(const char *path)
{
	struct st s = stat_at(AT_FDCWD, path, 0);
	errno = s.err;
	return s.ok ? 0 : -1;
}

static bool exists(const char *path)
{
	return S(path).ok;
}

static int cmp_ts(struct timespec a, struct timespec b)
{
	if (a.tv_sec != b.tv_sec)
		return a.tv_sec < b.tv_sec ? -1 : 1;
	if (a.tv_nsec != b.tv_nsec)
		return a.tv_nsec < b.tv_nsec ? -1 : 1;
	return 0;
}

/* Host timestamps are clock-tick grained: leave a gap between "before" and
 * the operation so an update is always visible. */
static void tick(void)
{
	struct timespec t = { 0, 30 * 1000 * 1000 };
	nanosleep(&t, NULL);
}

static struct timespec *field(struct st *s, char which)
{
	return which == 'a' ? &s->atime : which == 'm' ? &s->mtime : &s->ctime;
}

/* check_times NAME BEFORE AFTER "mc" "a": each letter of UPDATED must have moved
 * forward (NAME-mtime-updated...), each of SAME must be unchanged. */
static void check_times(const char *name, struct st b, struct st a, const char *updated, const char *same)
{
	char n[200];

	if (!b.ok || !a.ok) {
		snprintf(n, sizeof(n), "%s-times", name);
		fail(n, "stat failed: %s", ename(b.ok ? a.err : b.err));
		return;
	}
	for (const char *p = updated; *p; p++) {
		snprintf(n, sizeof(n), "%s-%ctime-updated", name, *p);
		struct timespec *tb = field(&b, *p), *ta = field(&a, *p);
		if (cmp_ts(*ta, *tb) > 0)
			pass(n);
		else
			fail(n, "%ctime %lld.%09ld -> %lld.%09ld", *p, (long long)tb->tv_sec, tb->tv_nsec,
			     (long long)ta->tv_sec, ta->tv_nsec);
	}
	for (const char *p = same; *p; p++) {
		snprintf(n, sizeof(n), "%s-%ctime-unchanged", name, *p);
		struct timespec *tb = field(&b, *p), *ta = field(&a, *p);
		if (cmp_ts(*ta, *tb) == 0)
			pass(n);
		else
			fail(n, "%ctime %lld.%09ld -> %lld.%09ld", *p, (long long)tb->tv_sec, tb->tv_nsec,
			     (long long)ta->tv_sec, ta->tv_nsec);
	}
}

/* Sets atime and mtime to OLD_TIME so that an update to either is visible. */
static void age(const char *path)
{
	struct timespec t[2] = { { OLD_TIME, 0 }, { OLD_TIME, 0 } };
	if (utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW) < 0)
		printf("NOTE age %s: %s\n", path, ename(errno));
}

/* ---- small file helpers ---- */

static void put(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		printf("NOTE put %s: %s\n", path, ename(errno));
	if (fd >= 0)
		close(fd);
}

static void get(const char *path, char *buf, size_t size)
{
	buf[0] = '\0';
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		snprintf(buf, size, "<open: %s>", ename(errno));
		return;
	}
	ssize_t n = read(fd, buf, size - 1);
	buf[n < 0 ? 0 : n] = '\0';
	close(fd);
}

static void mkdir_mode(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 || chmod(path, mode) < 0)
		printf("NOTE mkdir %s: %s\n", path, ename(errno));
}

static void set_mode(const char *path, mode_t mode)
{
	if (chmod(path, mode) < 0)
		printf("NOTE chmod %s: %s\n", path, ename(errno));
}

static void set_owner(const char *path, uid_t u, gid_t g)
{
	if (lchown(path, u, g) < 0)
		printf("NOTE chown %s: %s\n", path, ename(errno));
}

static void drop_caches(void)
{
	sync();
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "3", 1) < 0)
			printf("NOTE drop_caches: %s\n", ename(errno));
		close(fd);
	}
}

/* ---- unprivileged children ----
 * AS_USER(u, g) { body }: the body runs in a child with those ids and no
 * supplementary groups; the parent waits.  A child's failures make the
 * parent's exit status 1 through its own exit status. */
static pid_t user_fork(uid_t u, gid_t g)
{
	fflush(stdout);
	pid_t p = fork();
	if (p < 0) {
		fail("fork", "%s", ename(errno));
		return -1;
	}
	if (p == 0) {
		failures = 0;
		if (setgroups(0, NULL) < 0 || setresgid(g, g, g) < 0 || setresuid(u, u, u) < 0) {
			fail("drop-privileges", "%s", ename(errno));
			fflush(stdout);
			_exit(1);
		}
		return 0;
	}
	int status;
	if (waitpid(p, &status, 0) < 0 || !WIFEXITED(status)) {
		fail("child", "did not exit normally (status %d)", status);
	} else if (WEXITSTATUS(status) != 0) {
		failures++;
	}
	return -1;
}

static pid_t user_done(void)
{
	fflush(stdout);
	_exit(failures ? 1 : 0);
}

#define AS_USER(u, g) for (pid_t _p = user_fork(u, g); _p == 0; _p = user_done())

/* Each group of checks works in its own fresh subdirectory (mode 0777 so the
 * unprivileged users can create there). */
static char top[PATH_MAX];

static void group(const char *name)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/%s", top, name);
	mkdir_mode(p, 0777);
	if (chdir(p) < 0) {
		printf("NOTE chdir %s: %s\n", p, ename(errno));
		exit(1);
	}
}

static char long_name[NAME_MAX + 2]; /* NAME_MAX + 1 characters */
static char long_path[PATH_MAX + 16]; /* PATH_MAX characters of a/a/a/... */

/* ======================================================================= */

static void t_open(void)
{
	group("open");
	struct st pb, pa, s;
	char buf[64];
	int fd;

	age(".");
	pb = S(".");
	tick();
	fd = OK("open.creat", open("f", O_WRONLY | O_CREAT | O_EXCL, 0666));
	close(fd);
	pa = S(".");
	s = S("f");
	eq("open.creat-mode-umask", s.mode, S_IFREG | 0644);
	eq("open.creat-size", s.size, 0);
	eq("open.creat-nlink", s.nlink, 1);
	eq("open.creat-uid", s.uid, 0);
	eq("open.creat-gid", s.gid, 0);
	check_times("open.creat-parent", pb, pa, "mc", "");
	truth("open.creat-file-times-recent", cmp_ts(s.mtime, pb.ctime) >= 0 && cmp_ts(s.ctime, pb.ctime) >= 0,
	      "new file's times older than the parent's before the create");

	ERR("open.excl-existing-eexist", open("f", O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST);
	OK("open.symlink-dangling", symlink("nowhere", "dangling"));
	ERR("open.excl-dangling-symlink-eexist", open("dangling", O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST);
	eq("open.excl-dangling-symlink-not-created", exists("nowhere"), 0);
	fd = OK("open.creat-through-dangling-symlink", open("dangling", O_WRONLY | O_CREAT, 0600));
	close(fd);
	eq("open.creat-through-dangling-symlink-target", S("nowhere").mode, S_IFREG | 0600);

	set_mode("f", 0640);
	fd = OK("open.creat-existing", open("f", O_WRONLY | O_CREAT, 0777));
	close(fd);
	eq("open.creat-existing-mode-kept", S("f").mode, S_IFREG | 0640);

	put("t", "0123456789", 0644);
	age("t");
	pb = S("t");
	tick();
	fd = OK("open.trunc", open("t", O_WRONLY | O_TRUNC));
	close(fd);
	pa = S("t");
	eq("open.trunc-size", pa.size, 0);
	check_times("open.trunc", pb, pa, "mc", "");
	eq("open.trunc-size-uncached", (drop_caches(), S("t").size), 0);

	put("ap", "abc", 0644);
	fd = OK("open.append", open("ap", O_WRONLY | O_APPEND));
	lseek(fd, 0, SEEK_SET);
	eq("open.append-write", write(fd, "def", 3), 3);
	eq("open.append-offset", lseek(fd, 0, SEEK_CUR), 6);
	close(fd);
	get("ap", buf, sizeof(buf));
	eqs("open.append-content", buf, "abcdef");

	ERR("open.missing-enoent", open("missing", O_RDONLY), ENOENT);
	ERR("open.creat-missing-dir-enoent", open("nodir/f", O_WRONLY | O_CREAT, 0644), ENOENT);
	ERR("open.file-as-dir-enotdir", open("f/x", O_RDONLY), ENOTDIR);
	ERR("open.creat-file-as-dir-enotdir", open("f/x", O_WRONLY | O_CREAT, 0644), ENOTDIR);
	ERR("open.trailing-slash-file-enotdir", open("f/", O_RDONLY), ENOTDIR);
	mkdir_mode("d", 0755);
	ERR("open.dir-wronly-eisdir", open("d", O_WRONLY), EISDIR);
	ERR("open.dir-rdwr-eisdir", open("d", O_RDWR), EISDIR);
	ERR("open.dir-creat-eisdir", open("d", O_WRONLY | O_CREAT, 0644), EISDIR);
	ERR("open.creat-excl-dir-eexist", open("d", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	ERR("open.long-name-enametoolong", open(long_name, O_WRONLY | O_CREAT, 0644), ENAMETOOLONG);
	ERR("open.long-path-enametoolong", open(long_path, O_RDONLY), ENAMETOOLONG);

	fd = OK("open.directory", open("d", O_RDONLY | O_DIRECTORY));
	eq("open.directory-is-dir", S_ISDIR(SF(fd).mode), 1);
	close(fd);
	ERR("open.directory-on-file-enotdir", open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);

	symlink("f", "lf");
	ERR("open.nofollow-symlink-eloop", open("lf", O_RDONLY | O_NOFOLLOW), ELOOP);
	fd = OK("open.nofollow-regular", open("f", O_RDONLY | O_NOFOLLOW));
	close(fd);
	fd = OK("open.path-nofollow-symlink", open("lf", O_PATH | O_NOFOLLOW));
	eq("open.path-nofollow-is-link", S_ISLNK(SF(fd).mode), 1);
	close(fd);
	symlink("loop2", "loop1");
	symlink("loop1", "loop2");
	ERR("open.symlink-loop-eloop", open("loop1", O_RDONLY), ELOOP);
	ERR("open.creat-symlink-loop-eloop", open("loop1", O_WRONLY | O_CREAT, 0644), ELOOP);
	ERR("open.path-through-loop-eloop", open("loop1/x", O_RDONLY), ELOOP);

	ERR("open.tmpfile-no-write-einval", open(".", O_TMPFILE | O_RDONLY, 0600), EINVAL);
	fd = open(".", O_TMPFILE | O_RDWR, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
		/* FUSE_TMPFILE needs a guest kernel 6.6 or newer. */
		printf("NOTE open.tmpfile: not supported by this guest kernel (%s)\n", ename(errno));
		pass("open.tmpfile-refused-cleanly");
	} else if (fd < 0) {
		fail("open.tmpfile", "%s", ename(errno));
	} else {
		pass("open.tmpfile");
		eq("open.tmpfile-write", write(fd, "tmp", 3), 3);
		eq("open.tmpfile-nlink-0", SF(fd).nlink, 0);
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		OK("open.tmpfile-linkat", linkat(AT_FDCWD, proc, AT_FDCWD, "tmplinked", AT_SYMLINK_FOLLOW));
		get("tmplinked", buf, sizeof(buf));
		eqs("open.tmpfile-linked-content", buf, "tmp");
		eq("open.tmpfile-linked-nlink", S("tmplinked").nlink, 1);
		close(fd);
	}

	/* Permission checks as an unprivileged user. */
	put("secret", "s", 0600);
	mkdir_mode("rootdir", 0755);
	put("rootdir/file", "r", 0644);
	mkdir_mode("closed", 0700);
	put("closed/file", "c", 0644);
	put("ro", "ro", 0444);
	put("suid", "0123", 0644);
	set_mode("suid", 06777);
	AS_USER(U1, G1) {
		fd = OK("open.user-trunc-suid", open("suid", O_WRONLY | O_TRUNC));
		close(fd);
		ERR("open.user-read-0600-eacces", open("secret", O_RDONLY), EACCES);
		ERR("open.user-write-0644-eacces", open("rootdir/file", O_WRONLY), EACCES);
		ERR("open.user-creat-in-0755-eacces", open("rootdir/new", O_WRONLY | O_CREAT, 0644), EACCES);
		ERR("open.user-search-0700-eacces", open("closed/file", O_RDONLY), EACCES);
		ERR("open.user-trunc-0444-eacces", open("ro", O_WRONLY | O_TRUNC), EACCES);
		fd = OK("open.user-read-0644", open("rootdir/file", O_RDONLY));
		close(fd);
		fd = OK("open.user-creat", open("mine", O_WRONLY | O_CREAT | O_EXCL, 0640));
		close(fd);
	}
	s = S("mine");
	eq("open.user-creat-uid", s.uid, U1);
	eq("open.user-creat-gid", s.gid, G1);
	eq("open.user-creat-mode", s.mode, S_IFREG | 0640);
	eq("open.rootdir-new-not-created", exists("rootdir/new"), 0);
	s = S("suid");
	eq("open.user-trunc-clears-suid-sgid", s.mode, S_IFREG | 0777);
	eq("open.user-trunc-size", s.size, 0);

	/* An open descriptor keeps the access it was opened with. */
	put("keep", "keep", 0644);
	set_owner("keep", U1, G1);
	AS_USER(U1, G1) {
		fd = open("keep", O_RDWR);
		OK("open.user-fchmod-own", fchmod(fd, 0));
		eq("open.user-write-after-chmod-0", pwrite(fd, "KEEP", 4, 0), 4);
		OK("open.user-ftruncate-after-chmod-0", ftruncate(fd, 2));
		eq("open.user-read-after-chmod-0", pread(fd, buf, sizeof(buf), 0), 2);
		ERR("open.user-reopen-after-chmod-0-eacces", open("keep", O_RDONLY), EACCES);
		close(fd);
	}
	eq("open.user-ftruncate-after-chmod-0-size", S("keep").size, 2);
}

static void t_rw(void)
{
	group("rw");
	struct st b, a;
	char buf[128];
	int fd;

	fd = OK("rw.creat", open("f", O_RDWR | O_CREAT | O_EXCL, 0644));
	age("f");
	b = S("f");
	tick();
	eq("rw.write-count", write(fd, "hello world", 11), 11);
	a = S("f");
	eq("rw.write-size", a.size, 11);
	check_times("rw.write", b, a, "mc", "a");
	eq("rw.write-offset", lseek(fd, 0, SEEK_CUR), 11);
	eq("rw.pread-count", pread(fd, buf, 5, 6), 5);
	buf[5] = '\0';
	eqs("rw.pread-data", buf, "world");
	eq("rw.pread-keeps-offset", lseek(fd, 0, SEEK_CUR), 11);
	eq("rw.pwrite-count", pwrite(fd, "HELLO", 5, 0), 5);
	eq("rw.pwrite-keeps-offset", lseek(fd, 0, SEEK_CUR), 11);
	eq("rw.read-at-eof", read(fd, buf, sizeof(buf)), 0);
	eq("rw.pwrite-past-eof", pwrite(fd, "Z", 1, 20), 1);
	eq("rw.pwrite-past-eof-size", S("f").size, 21);
	memset(buf, 'x', sizeof(buf));
	eq("rw.pread-all", pread(fd, buf, sizeof(buf), 0), 21);
	truth("rw.hole-reads-zeros", memcmp(buf, "HELLO world\0\0\0\0\0\0\0\0\0Z", 21) == 0,
	      "content differs from 'HELLO world' + 9 zero bytes + 'Z'");
	close(fd);
	drop_caches();
	get("f", buf, sizeof(buf));
	eqs("rw.content-uncached", buf, "HELLO world");

	/* A large write crossing page boundaries, read back uncached. */
	static char big[300000], back[300000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 4096);
	fd = open("big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	eq("rw.big-write", pwrite(fd, big, sizeof(big), 1234), (long long)sizeof(big));
	close(fd);
	drop_caches();
	fd = open("big", O_RDONLY);
	eq("rw.big-size", S("big").size, (long long)sizeof(big) + 1234);
	eq("rw.big-pread", pread(fd, back, sizeof(back), 1234), (long long)sizeof(back));
	truth("rw.big-data", memcmp(big, back, sizeof(big)) == 0, "data differs");
	close(fd);

	/* copy_file_range: the bytes, the destination's size and mtime. */
	put("src", "0123456789", 0644);
	put("dst", "abcdefghij", 0644);
	age("dst");
	b = S("dst");
	tick(); /* with --writeback the guest's clock, a few ms a tick, sets ctime */
	int in = open("src", O_RDONLY), out = open("dst", O_WRONLY);
	loff_t off_in = 2, off_out = 8;
	eq("rw.copy-file-range", copy_file_range(in, &off_in, out, &off_out, 5, 0), 5);
	eq("rw.copy-file-range-offsets", off_in * 100 + off_out, 7 * 100 + 13);
	close(in);
	close(out);
	a = S("dst");
	eq("rw.copy-file-range-size", a.size, 13);
	check_times("rw.copy-file-range", b, a, "mc", "");
	get("dst", buf, sizeof(buf));
	eqs("rw.copy-file-range-content", buf, "abcdefgh23456");

	fd = open("blocks", O_WRONLY | O_CREAT, 0644);
	eq("rw.write-1m", pwrite(fd, big, 262144, 0) + pwrite(fd, big, 262144, 262144) +
	   pwrite(fd, big, 262144, 524288) + pwrite(fd, big, 262144, 786432), 1 << 20);
	fsync(fd);
	close(fd);
	truth("rw.blocks-after-1m", S("blocks").blocks >= 2048, "fewer than 2048 512-byte blocks for 1 MiB");

	/* atime: with the host's default relatime, a read of a file whose
	 * atime is older than its mtime updates atime. */
	put("at", "atime", 0644);
	struct timespec old[2] = { { OLD_TIME, 0 }, { UTIME_OMIT, 0 } };
	utimensat(AT_FDCWD, "at", old, 0);
	drop_caches();
	b = S("at");
	fd = open("at", O_RDONLY);
	eq("rw.read-for-atime", read(fd, buf, sizeof(buf)), 5);
	close(fd);
	a = S("at");
	check_times("rw.read", b, a, "a", "mc");

	mkdir_mode("d", 0755);
	fd = open("d", O_RDONLY | O_DIRECTORY);
	ERR("rw.read-dir-eisdir", read(fd, buf, sizeof(buf)), EISDIR);
	close(fd);
	fd = open("f", O_RDONLY);
	ERR("rw.write-rdonly-ebadf", write(fd, "x", 1), EBADF);
	close(fd);
	fd = open("f", O_WRONLY);
	ERR("rw.read-wronly-ebadf", read(fd, buf, 1), EBADF);
	ERR("rw.pwrite-negative-einval", pwrite(fd, "x", 1, -1), EINVAL);
	close(fd);

	/* setuid/setgid cleared by an unprivileged write. */
	put("suid", "x", 0644);
	set_mode("suid", 06777);
	AS_USER(U1, G1) {
		fd = OK("rw.user-open-suid", open("suid", O_WRONLY));
		eq("rw.user-write-suid", write(fd, "y", 1), 1);
		close(fd);
	}
	eq("rw.user-write-clears-suid-sgid", S("suid").mode, S_IFREG | 0777);
	put("rootsuid", "x", 0644);
	set_mode("rootsuid", 06755);
	fd = open("rootsuid", O_WRONLY);
	eq("rw.root-write-suid", write(fd, "y", 1), 1);
	close(fd);
	eq("rw.root-write-keeps-suid", S("rootsuid").mode, S_IFREG | 06755);
}

static void t_truncate(void)
{
	group("truncate");
	struct st b, a;
	char buf[64];
	int fd;

	put("f", "0123456789", 0644);
	age("f");
	b = S("f");
	tick();
	OK("truncate.shrink", truncate("f", 4));
	a = S("f");
	eq("truncate.shrink-size", a.size, 4);
	check_times("truncate.shrink", b, a, "mc", "a");
	OK("truncate.grow", truncate("f", 8));
	eq("truncate.grow-size", S("f").size, 8);
	drop_caches();
	memset(buf, 'x', sizeof(buf));
	fd = open("f", O_RDONLY);
	eq("truncate.grow-read", read(fd, buf, sizeof(buf)), 8);
	truth("truncate.grow-zeros", memcmp(buf, "0123\0\0\0\0", 8) == 0, "grown part is not zeros");
	close(fd);

	fd = open("f", O_RDWR);
	age("f");
	b = S("f");
	tick();
	OK("truncate.ftruncate", ftruncate(fd, 2));
	a = SF(fd);
	eq("truncate.ftruncate-size", a.size, 2);
	check_times("truncate.ftruncate", b, a, "mc", "");
	OK("truncate.ftruncate-zero", ftruncate(fd, 0));
	eq("truncate.ftruncate-zero-size", SF(fd).size, 0);
	ERR("truncate.ftruncate-negative-einval", ftruncate(fd, -1), EINVAL);
	close(fd);
	fd = open("f", O_RDONLY);
	ERR("truncate.ftruncate-rdonly-einval", ftruncate(fd, 1), EINVAL);
	close(fd);
	ERR("truncate.negative-einval", truncate("f", -1), EINVAL);
	ERR("truncate.missing-enoent", truncate("missing", 0), ENOENT);
	mkdir_mode("d", 0755);
	ERR("truncate.dir-eisdir", truncate("d", 0), EISDIR);
	ERR("truncate.file-as-dir-enotdir", truncate("f/x", 0), ENOTDIR);
	ERR("truncate.long-name-enametoolong", truncate(long_name, 0), ENAMETOOLONG);

	put("rootfile", "r", 0644);
	put("suid", "0123", 0666);
	set_mode("suid", 06777);
	AS_USER(U1, G1) {
		ERR("truncate.user-no-write-eacces", truncate("rootfile", 0), EACCES);
		OK("truncate.user-suid", truncate("suid", 1));
	}
	eq("truncate.user-clears-suid-sgid", S("suid").mode, S_IFREG | 0777);
	eq("truncate.user-suid-size", S("suid").size, 1);
	eq("truncate.rootfile-size-kept", S("rootfile").size, 1);
}

static void t_chmod(void)
{
	group("chmod");
	struct st b, a;
	int fd;

	put("f", "x", 0644);
	age("f");
	b = S("f");
	tick();
	OK("chmod.file", chmod("f", 0751));
	a = S("f");
	eq("chmod.file-mode", a.mode, S_IFREG | 0751);
	check_times("chmod.file", b, a, "c", "am");
	OK("chmod.all-bits", chmod("f", 07777));
	eq("chmod.all-bits-mode", S("f").mode, S_IFREG | 07777);
	OK("chmod.zero", chmod("f", 0));
	eq("chmod.zero-mode", S("f").mode, S_IFREG);
	fd = open("f", O_RDONLY);
	OK("chmod.fchmod", fchmod(fd, 0600));
	eq("chmod.fchmod-mode", SF(fd).mode, S_IFREG | 0600);
	close(fd);
	mkdir_mode("d", 0755);
	OK("chmod.dir", chmod("d", 01777));
	eq("chmod.dir-mode", S("d").mode, S_IFDIR | 01777);
	symlink("f", "l");
	OK("chmod.through-symlink", chmod("l", 0640));
	eq("chmod.through-symlink-target", S("f").mode, S_IFREG | 0640);
	eq("chmod.through-symlink-link-unchanged", S("l").mode, S_IFLNK | 0777);
	ERR("chmod.missing-enoent", chmod("missing", 0644), ENOENT);
	ERR("chmod.file-as-dir-enotdir", chmod("f/x", 0644), ENOTDIR);
	ERR("chmod.long-name-enametoolong", chmod(long_name, 0644), ENAMETOOLONG);

	put("userfile", "u", 0644);
	set_owner("userfile", U1, G1);
	put("otherfile", "o", 0644);
	set_owner("otherfile", U1, OTHER_GID);
	AS_USER(U1, G1) {
		OK("chmod.user-own", chmod("userfile", 0600));
		ERR("chmod.user-other-eperm", chmod("f", 0777), EPERM);
		ERR("chmod.user-dir-eperm", chmod("d", 0700), EPERM);
		/* S_ISGID on a file whose group the caller is not in is dropped. */
		OK("chmod.user-sgid-foreign-group", chmod("otherfile", 02755));
		OK("chmod.user-sgid-own-group", chmod("userfile", 02755));
	}
	eq("chmod.user-own-mode", S("userfile").mode, S_IFREG | 02755);
	eq("chmod.user-sgid-foreign-group-cleared", S("otherfile").mode, S_IFREG | 0755);
	eq("chmod.user-other-unchanged", S("f").mode, S_IFREG | 0640);
}

static void t_chown(void)
{
	group("chown");
	struct st b, a;
	int fd;

	put("f", "x", 0644);
	age("f");
	b = S("f");
	tick();
	OK("chown.file", chown("f", 1234, 5678));
	a = S("f");
	eq("chown.file-uid", a.uid, 1234);
	eq("chown.file-gid", a.gid, 5678);
	check_times("chown.file", b, a, "c", "am");
	OK("chown.uid-only", chown("f", 4321, -1));
	a = S("f");
	eq("chown.uid-only-ids", (long long)a.uid * 100000 + a.gid, 4321LL * 100000 + 5678);
	OK("chown.gid-only", chown("f", -1, 8765));
	a = S("f");
	eq("chown.gid-only-ids", (long long)a.uid * 100000 + a.gid, 4321LL * 100000 + 8765);
	fd = open("f", O_RDONLY);
	OK("chown.fchown", fchown(fd, 0, 0));
	a = SF(fd);
	eq("chown.fchown-ids", (long long)a.uid * 100000 + a.gid, 0);
	close(fd);

	symlink("f", "l");
	OK("chown.lchown", lchown("l", 2000, 2001));
	a = S("l");
	eq("chown.lchown-link-ids", (long long)a.uid * 100000 + a.gid, 2000LL * 100000 + 2001);
	a = S("f");
	eq("chown.lchown-target-unchanged", (long long)a.uid * 100000 + a.gid, 0);
	OK("chown.through-symlink", chown("l", 3000, 3001));
	a = S("f");
	eq("chown.through-symlink-target", (long long)a.uid * 100000 + a.gid, 3000LL * 100000 + 3001);
	a = S("l");
	eq("chown.through-symlink-link-unchanged", (long long)a.uid * 100000 + a.gid, 2000LL * 100000 + 2001);

	mkdir_mode("d", 02755);
	OK("chown.dir", chown("d", 10, 20));
	a = S("d");
	eq("chown.dir-ids", (long long)a.uid * 100000 + a.gid, 10LL * 100000 + 20);
	eq("chown.dir-keeps-sgid", a.mode, S_IFDIR | 02755);

	put("rs", "x", 0644);
	set_mode("rs", 06755);
	OK("chown.root-suid", chown("rs", 0, OTHER_GID));
	eq("chown.root-clears-suid-sgid", S("rs").mode, S_IFREG | 0755);
	put("rsg", "x", 0644);
	set_mode("rsg", 02644);
	OK("chown.root-sgid-noexec", chown("rsg", 0, OTHER_GID));
	eq("chown.root-keeps-sgid-without-gexec", S("rsg").mode, S_IFREG | 02644);

	ERR("chown.missing-enoent", chown("missing", 0, 0), ENOENT);
	ERR("chown.file-as-dir-enotdir", chown("f/x", 0, 0), ENOTDIR);
	ERR("chown.long-name-enametoolong", chown(long_name, 0, 0), ENAMETOOLONG);
	ERR("chown.bad-flag-einval", fchownat(AT_FDCWD, "f", 0, 0, 0x10000), EINVAL);

	put("us", "x", 0644);
	set_owner("us", U1, OTHER_GID);
	set_mode("us", 06755);
	put("un", "x", 0644);
	set_owner("un", U1, G1);
	AS_USER(U1, G1) {
		OK("chown.user-own-group", chown("us", -1, G1));
		OK("chown.user-same-ids", chown("un", U1, G1));
		ERR("chown.user-give-away-eperm", chown("un", U2, -1), EPERM);
		ERR("chown.user-foreign-group-eperm", chown("un", -1, OTHER_GID), EPERM);
		ERR("chown.user-not-owner-eperm", chown("f", U1, G1), EPERM);
		ERR("chown.user-lchown-not-owner-eperm", lchown("l", U1, G1), EPERM);
	}
	a = S("us");
	eq("chown.user-own-group-gid", a.gid, G1);
	eq("chown.user-clears-suid-sgid", a.mode, S_IFREG | 0755);
	a = S("un");
	eq("chown.user-give-away-unchanged", (long long)a.uid * 100000 + a.gid, (long long)U1 * 100000 + G1);
}

static void t_utimens(void)
{
	group("utimens");
	struct st b, a;
	struct timespec t[2];
	int fd;

	put("f", "x", 0644);
	b = S("f");
	tick();
	t[0] = (struct timespec){ 1500000000, 123456789 };
	t[1] = (struct timespec){ 1600000000, 987654321 };
	OK("utimens.set", utimensat(AT_FDCWD, "f", t, 0));
	a = S("f");
	eq("utimens.set-atime", a.atime.tv_sec * 1000000000LL + a.atime.tv_nsec, 1500000000123456789LL);
	eq("utimens.set-mtime", a.mtime.tv_sec * 1000000000LL + a.mtime.tv_nsec, 1600000000987654321LL);
	check_times("utimens.set", b, a, "c", "");

	b = a;
	t[0] = (struct timespec){ 0, UTIME_OMIT };
	t[1] = (struct timespec){ 1700000000, 5 };
	OK("utimens.omit-atime", utimensat(AT_FDCWD, "f", t, 0));
	a = S("f");
	check_times("utimens.omit-atime", b, a, "", "a");
	eq("utimens.omit-atime-mtime", a.mtime.tv_sec * 1000000000LL + a.mtime.tv_nsec, 1700000000000000005LL);

	b = a;
	tick();
	t[0] = (struct timespec){ 0, UTIME_OMIT };
	t[1] = (struct timespec){ 0, UTIME_OMIT };
	OK("utimens.omit-both", utimensat(AT_FDCWD, "f", t, 0));
	a = S("f");
	check_times("utimens.omit-both", b, a, "", "amc");

	age("f");
	b = S("f");
	tick();
	t[0] = (struct timespec){ 0, UTIME_NOW };
	t[1] = (struct timespec){ 0, UTIME_OMIT };
	OK("utimens.now-atime", utimensat(AT_FDCWD, "f", t, 0));
	a = S("f");
	check_times("utimens.now-atime", b, a, "ac", "m");

	age("f");
	b = S("f");
	tick();
	OK("utimens.null-times", utimensat(AT_FDCWD, "f", NULL, 0));
	a = S("f");
	check_times("utimens.null", b, a, "amc", "");
	truth("utimens.now-atime-equals-mtime", cmp_ts(a.atime, a.mtime) == 0, "UTIME_NOW gave different atime and mtime");

	symlink("f", "l");
	age("f");
	t[0] = (struct timespec){ 1400000000, 1 };
	t[1] = (struct timespec){ 1400000000, 2 };
	OK("utimens.nofollow", utimensat(AT_FDCWD, "l", t, AT_SYMLINK_NOFOLLOW));
	eq("utimens.nofollow-link-mtime", S("l").mtime.tv_nsec, 2);
	eq("utimens.nofollow-target-unchanged", S("f").mtime.tv_sec, OLD_TIME);
	OK("utimens.follow", utimensat(AT_FDCWD, "l", t, 0));
	eq("utimens.follow-target-mtime", S("f").mtime.tv_sec * 1000000000LL + S("f").mtime.tv_nsec, 1400000000000000002LL);

	fd = open("f", O_RDONLY);
	t[0] = (struct timespec){ 1300000000, 0 };
	t[1] = (struct timespec){ 1300000001, 0 };
	OK("utimens.futimens", futimens(fd, t));
	a = SF(fd);
	eq("utimens.futimens-values", a.atime.tv_sec * 10 + a.mtime.tv_sec - 1300000000LL * 11, 1);
	close(fd);

	mkdir_mode("d", 0755);
	OK("utimens.dir", utimensat(AT_FDCWD, "d", t, 0));
	eq("utimens.dir-mtime", S("d").mtime.tv_sec, 1300000001);

	t[0] = (struct timespec){ 0, 1000000000 };
	t[1] = (struct timespec){ 0, 0 };
	ERR("utimens.bad-nsec-einval", utimensat(AT_FDCWD, "f", t, 0), EINVAL);
	ERR("utimens.bad-flag-einval", utimensat(AT_FDCWD, "f", NULL, 0x10000), EINVAL);
	ERR("utimens.missing-enoent", utimensat(AT_FDCWD, "missing", NULL, 0), ENOENT);
	ERR("utimens.file-as-dir-enotdir", utimensat(AT_FDCWD, "f/x", NULL, 0), ENOTDIR);

	put("w", "x", 0666); /* writable by anyone, owned by root */
	set_mode("w", 0666);
	put("nw", "x", 0644);
	put("own", "x", 0644);
	set_owner("own", U1, G1);
	AS_USER(U1, G1) {
		struct timespec u[2] = { { 1200000000, 0 }, { 1200000000, 0 } };
		struct timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
		OK("utimens.user-now-writable", utimensat(AT_FDCWD, "w", now, 0));
		OK("utimens.user-null-writable", utimensat(AT_FDCWD, "w", NULL, 0));
		ERR("utimens.user-explicit-not-owner-eperm", utimensat(AT_FDCWD, "w", u, 0), EPERM);
		ERR("utimens.user-now-not-writable-eacces", utimensat(AT_FDCWD, "nw", NULL, 0), EACCES);
		OK("utimens.user-explicit-owner", utimensat(AT_FDCWD, "own", u, 0));
	}
	eq("utimens.user-explicit-owner-mtime", S("own").mtime.tv_sec, 1200000000);
	truth("utimens.user-now-writable-mtime", S("w").mtime.tv_sec > 1200000000, "mtime not set to now");
}

static void t_link(void)
{
	group("link");
	struct st b, a, pb, pa;

	put("f", "x", 0644);
	mkdir_mode("sub", 0777);
	age("sub");
	b = S("f");
	pb = S("sub");
	tick();
	OK("link.create", link("f", "sub/h"));
	a = S("f");
	pa = S("sub");
	eq("link.nlink-2", a.nlink, 2);
	eq("link.same-inode", S("sub/h").ino, a.ino);
	eq("link.new-name-nlink", S("sub/h").nlink, 2);
	check_times("link.target", b, a, "c", "m");
	check_times("link.parent", pb, pa, "mc", "");
	OK("link.second", link("f", "h2"));
	eq("link.nlink-3", S("f").nlink, 3);
	ERR("link.existing-eexist", link("f", "h2"), EEXIST);
	ERR("link.missing-source-enoent", link("missing", "x"), ENOENT);
	ERR("link.missing-dest-dir-enoent", link("f", "nodir/x"), ENOENT);
	ERR("link.file-as-dir-enotdir", link("f", "f/x"), ENOTDIR);
	mkdir_mode("d", 0755);
	ERR("link.dir-eperm", link("d", "dlink"), EPERM);
	ERR("link.long-name-enametoolong", link("f", long_name), ENAMETOOLONG);
	ERR("link.exdev", link("f", "/tmp/posix-link"), EXDEV);
	symlink("f", "sl");
	OK("link.symlink-itself", linkat(AT_FDCWD, "sl", AT_FDCWD, "sl2", 0));
	eq("link.symlink-itself-is-link", S_ISLNK(S("sl2").mode), 1);
	eq("link.symlink-itself-nlink", S("sl").nlink, 2);
	OK("link.follow", linkat(AT_FDCWD, "sl", AT_FDCWD, "viasl", AT_SYMLINK_FOLLOW));
	eq("link.follow-is-target", S("viasl").ino, S("f").ino);
	ERR("link.bad-flag-einval", linkat(AT_FDCWD, "f", AT_FDCWD, "bad", 0x10000), EINVAL);

	mkdir_mode("rootdir", 0755);
	/* The user's own file: a root-owned source would meet the
	 * protected_hardlinks sysctl before the directory's permission. */
	put("uf", "u", 0644);
	set_owner("uf", U1, G1);
	AS_USER(U1, G1) {
		ERR("link.user-into-0755-eacces", link("uf", "rootdir/x"), EACCES);
		OK("link.user-own", link("uf", "uf2"));
	}
	drop_caches();
	eq("link.nlink-uncached", S("f").nlink, 4);
	eq("link.user-own-nlink", S("uf").nlink, 2);
}

static void t_unlink(void)
{
	group("unlink");
	struct st b, a, pb, pa;
	int fd;
	char buf[16];

	put("f", "data", 0644);
	link("f", "h");
	age(".");
	b = S("f");
	pb = S(".");
	tick();
	OK("unlink.link", unlink("h"));
	a = S("f");
	pa = S(".");
	eq("unlink.gone", exists("h"), 0);
	eq("unlink.nlink-decremented", a.nlink, 1);
	check_times("unlink.remaining", b, a, "c", "m");
	check_times("unlink.parent", pb, pa, "mc", "");

	fd = open("f", O_RDONLY);
	OK("unlink.open-file", unlink("f"));
	eq("unlink.open-file-read", read(fd, buf, sizeof(buf)), 4);
	eq("unlink.open-file-nlink-0", SF(fd).nlink, 0);
	close(fd);
	eq("unlink.open-file-gone", exists("f"), 0);

	ERR("unlink.missing-enoent", unlink("missing"), ENOENT);
	put("g", "x", 0644);
	ERR("unlink.file-as-dir-enotdir", unlink("g/x"), ENOTDIR);
	mkdir_mode("d", 0755);
	ERR("unlink.dir-eisdir", unlink("d"), EISDIR);
	ERR("unlink.long-name-enametoolong", unlink(long_name), ENAMETOOLONG);
	ERR("unlink.bad-flag-einval", unlinkat(AT_FDCWD, "g", 0x10000), EINVAL);
	symlink("g", "l");
	OK("unlink.symlink", unlink("l"));
	eq("unlink.symlink-gone", exists("l"), 0);
	eq("unlink.symlink-target-kept", exists("g"), 1);
	mkfifo("fifo", 0644);
	OK("unlink.fifo", unlink("fifo"));

	mkdir_mode("rootdir", 0755);
	put("rootdir/file", "r", 0666);
	AS_USER(U1, G1) {
		ERR("unlink.user-in-0755-eacces", unlink("rootdir/file"), EACCES);
	}
	eq("unlink.user-in-0755-kept", exists("rootdir/file"), 1);
}

static void t_rename(void)
{
	group("rename");
	struct st b, a, pb, pa, qb, qa, s;
	char buf[32];

	put("a", "A", 0644);
	mkdir_mode("d1", 0777);
	mkdir_mode("d2", 0777);
	put("d1/m", "M", 0644);
	age("d1");
	age("d2");
	b = S("d1/m");
	pb = S("d1");
	qb = S("d2");
	tick();
	OK("rename.file-other-dir", rename("d1/m", "d2/m2"));
	a = S("d2/m2");
	pa = S("d1");
	qa = S("d2");
	eq("rename.file-old-gone", exists("d1/m"), 0);
	eq("rename.file-same-inode", a.ino, b.ino);
	check_times("rename.file-source-parent", pb, pa, "mc", "");
	check_times("rename.file-dest-parent", qb, qa, "mc", "");
	check_times("rename.file-itself", b, a, "c", "m");

	put("over", "OVER", 0644);
	put("victim", "V", 0644);
	link("victim", "victim-link");
	s = S("over");
	OK("rename.over-file", rename("over", "victim"));
	get("victim", buf, sizeof(buf));
	eqs("rename.over-file-content", buf, "OVER");
	eq("rename.over-file-inode", S("victim").ino, s.ino);
	eq("rename.over-file-old-gone", exists("over"), 0);
	eq("rename.over-file-replaced-nlink", S("victim-link").nlink, 1);

	link("victim", "same");
	OK("rename.same-inode-noop", rename("victim", "same"));
	OK("rename.same-name-noop", rename("victim", "victim"));
	eq("rename.same-inode-both-kept", exists("victim") + exists("same"), 2);

	mkdir_mode("dir", 0755);
	put("dir/inner", "i", 0644);
	mkdir_mode("empty", 0755);
	b = S(".");
	OK("rename.dir-over-empty-dir", rename("dir", "empty"));
	eq("rename.dir-over-empty-dir-content", exists("empty/inner"), 1);
	eq("rename.dir-over-empty-dir-old-gone", exists("dir"), 0);
	eq("rename.dir-over-empty-parent-nlink", S(".").nlink, b.nlink - 1);

	mkdir_mode("full", 0755);
	put("full/x", "x", 0644);
	mkdir_mode("src", 0755);
	ERR2("rename.dir-over-nonempty-enotempty", rename("src", "full"), ENOTEMPTY, EEXIST);
	ERR("rename.file-over-dir-eisdir", rename("a", "src"), EISDIR);
	ERR("rename.dir-over-file-enotdir", rename("src", "a"), ENOTDIR);
	mkdir_mode("src/child", 0755);
	ERR("rename.dir-into-own-subdir-einval", rename("src", "src/child/src"), EINVAL);
	ERR("rename.dir-into-itself-einval", rename("src", "src/x"), EINVAL);
	ERR("rename.missing-enoent", rename("missing", "x"), ENOENT);
	ERR("rename.missing-dest-dir-enoent", rename("a", "nodir/x"), ENOENT);
	ERR("rename.file-as-dir-enotdir", rename("a", "a/x"), ENOTDIR);
	ERR("rename.long-name-enametoolong", rename("a", long_name), ENAMETOOLONG);
	ERR("rename.dot-ebusy", rename(".", "x"), EBUSY);
	ERR("rename.exdev", rename("a", "/tmp/posix-rename"), EXDEV);

	/* Moving a directory to another parent moves its ".." link. */
	mkdir_mode("p1", 0755);
	mkdir_mode("p2", 0755);
	mkdir_mode("p1/c", 0755);
	OK("rename.dir-other-parent", rename("p1/c", "p2/c"));
	eq("rename.dir-other-parent-old-nlink", S("p1").nlink, 2);
	eq("rename.dir-other-parent-new-nlink", S("p2").nlink, 3);
	eq("rename.dir-dotdot", S("p2/c/..").ino, S("p2").ino);

	/* renameat2 */
	put("n1", "1", 0644);
	put("n2", "2", 0644);
	ERR("rename.noreplace-existing-eexist", renameat2(AT_FDCWD, "n1", AT_FDCWD, "n2", RENAME_NOREPLACE), EEXIST);
	get("n2", buf, sizeof(buf));
	eqs("rename.noreplace-existing-kept", buf, "2");
	OK("rename.noreplace-new", renameat2(AT_FDCWD, "n1", AT_FDCWD, "n3", RENAME_NOREPLACE));
	eq("rename.noreplace-new-moved", exists("n3") * 10 + exists("n1"), 10);

	mkdir_mode("xd", 0755);
	put("xd/in", "in", 0644);
	b = S("n2");
	a = S("xd");
	OK("rename.exchange", renameat2(AT_FDCWD, "n2", AT_FDCWD, "n3", RENAME_EXCHANGE));
	get("n2", buf, sizeof(buf));
	eqs("rename.exchange-content-1", buf, "1");
	get("n3", buf, sizeof(buf));
	eqs("rename.exchange-content-2", buf, "2");
	eq("rename.exchange-inode", S("n3").ino, b.ino);
	mkdir_mode("xp", 0755);
	put("xp/f", "f", 0644);
	OK("rename.exchange-file-dir", renameat2(AT_FDCWD, "xd", AT_FDCWD, "xp/f", RENAME_EXCHANGE));
	eq("rename.exchange-file-dir-types", S_ISDIR(S("xp/f").mode) * 10 + S_ISREG(S("xd").mode), 11);
	eq("rename.exchange-file-dir-inode", S("xp/f").ino, a.ino);
	eq("rename.exchange-file-dir-parent-nlink", S("xp").nlink, 3);
	eq("rename.exchange-file-dir-dotdot", S("xp/f/..").ino, S("xp").ino);
	ERR("rename.exchange-missing-enoent", renameat2(AT_FDCWD, "n2", AT_FDCWD, "nothere", RENAME_EXCHANGE), ENOENT);
	ERR("rename.exchange-noreplace-einval",
	    renameat2(AT_FDCWD, "n2", AT_FDCWD, "n3", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
	ERR("rename.bad-flag-einval", renameat2(AT_FDCWD, "n2", AT_FDCWD, "n4", 1 << 10), EINVAL);
	ERR("rename.exchange-into-own-subdir-einval",
	    renameat2(AT_FDCWD, "xp", AT_FDCWD, "xp/f/in", RENAME_EXCHANGE), EINVAL);

	mkdir_mode("rootdir", 0755);
	put("rootdir/file", "r", 0666);
	put("ufile", "u", 0644);
	set_owner("ufile", U1, G1);
	AS_USER(U1, G1) {
		ERR("rename.user-from-0755-eacces", rename("rootdir/file", "stolen"), EACCES);
		ERR("rename.user-into-0755-eacces", rename("ufile", "rootdir/ufile"), EACCES);
		OK("rename.user-own", rename("ufile", "ufile2"));
	}
	eq("rename.user-own-moved", exists("ufile2"), 1);
}

static void t_mkdir_rmdir(void)
{
	group("dirs");
	struct st b, a, s;
	int fd;

	age(".");
	b = S(".");
	tick();
	OK("mkdir.create", mkdir("d", 0777));
	a = S(".");
	s = S("d");
	eq("mkdir.mode-umask", s.mode, S_IFDIR | 0755);
	eq("mkdir.nlink-2", s.nlink, 2);
	eq("mkdir.uid", s.uid, 0);
	eq("mkdir.parent-nlink", a.nlink, b.nlink + 1);
	check_times("mkdir.parent", b, a, "mc", "");
	OK("mkdir.sticky", mkdir("st", 01777));
	eq("mkdir.sticky-mode", S("st").mode, S_IFDIR | 01755);
	ERR("mkdir.existing-eexist", mkdir("d", 0755), EEXIST);
	put("f", "x", 0644);
	ERR("mkdir.over-file-eexist", mkdir("f", 0755), EEXIST);
	symlink("nowhere", "dl");
	ERR("mkdir.over-dangling-symlink-eexist", mkdir("dl", 0755), EEXIST);
	ERR("mkdir.missing-parent-enoent", mkdir("nodir/d", 0755), ENOENT);
	ERR("mkdir.file-as-dir-enotdir", mkdir("f/d", 0755), ENOTDIR);
	ERR("mkdir.long-name-enametoolong", mkdir(long_name, 0755), ENAMETOOLONG);
	mkdir("d/sub", 0755);
	eq("mkdir.nested-parent-nlink", S("d").nlink, 3);

	/* getdents: the entries mkdir and creat made, with "." and "..". */
	put("d/one", "1", 0644);
	symlink("x", "d/two");
	fd = open("d", O_RDONLY | O_DIRECTORY);
	DIR *dir = fdopendir(fd);
	int seen = 0;
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		if (!strcmp(e->d_name, "."))
			seen |= 1;
		else if (!strcmp(e->d_name, ".."))
			seen |= 2;
		else if (!strcmp(e->d_name, "sub") && (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN))
			seen |= 4;
		else if (!strcmp(e->d_name, "one") && (e->d_type == DT_REG || e->d_type == DT_UNKNOWN))
			seen |= 8;
		else if (!strcmp(e->d_name, "two") && (e->d_type == DT_LNK || e->d_type == DT_UNKNOWN))
			seen |= 16;
		else
			seen |= 32;
	}
	if (dir)
		closedir(dir);
	eq("readdir.entries", seen, 31);

	age(".");
	b = S(".");
	tick();
	OK("rmdir.remove", rmdir("d/sub"));
	eq("rmdir.gone", exists("d/sub"), 0);
	eq("rmdir.parent-nlink", S("d").nlink, 2);
	mkdir("e", 0755);
	b = S(".");
	tick();
	OK("rmdir.remove-top", rmdir("e"));
	a = S(".");
	eq("rmdir.top-parent-nlink", a.nlink, b.nlink - 1);
	check_times("rmdir.parent", b, a, "mc", "");
	ERR2("rmdir.nonempty-enotempty", rmdir("d"), ENOTEMPTY, EEXIST);
	ERR("rmdir.file-enotdir", rmdir("f"), ENOTDIR);
	ERR("rmdir.symlink-enotdir", rmdir("dl"), ENOTDIR);
	ERR("rmdir.missing-enoent", rmdir("missing"), ENOENT);
	ERR("rmdir.dot-einval", rmdir("d/."), EINVAL);
	ERR("rmdir.dotdot-enotempty", rmdir("d/.."), ENOTEMPTY);
	ERR("rmdir.long-name-enametoolong", rmdir(long_name), ENAMETOOLONG);

	mkdir_mode("rootdir", 0755);
	mkdir_mode("rootdir/sub", 0777);
	AS_USER(U1, G1) {
		ERR("mkdir.user-in-0755-eacces", mkdir("rootdir/x", 0755), EACCES);
		ERR("rmdir.user-in-0755-eacces", rmdir("rootdir/sub"), EACCES);
		OK("mkdir.user", mkdir("udir", 0750));
	}
	s = S("udir");
	eq("mkdir.user-owner", (long long)s.uid * 100000 + s.gid, (long long)U1 * 100000 + G1);
	eq("mkdir.user-mode", s.mode, S_IFDIR | 0750);
}

static void t_symlink(void)
{
	group("symlink");
	struct st b, a, s;
	char buf[PATH_MAX];

	age(".");
	b = S(".");
	tick();
	OK("symlink.create", symlink("target/path", "l"));
	a = S(".");
	s = S("l");
	eq("symlink.is-link", S_ISLNK(s.mode), 1);
	eq("symlink.size", s.size, (long long)strlen("target/path"));
	eq("symlink.nlink", s.nlink, 1);
	check_times("symlink.parent", b, a, "mc", "");
	memset(buf, 0, sizeof(buf));
	eq("symlink.readlink-length", readlink("l", buf, sizeof(buf)), 11);
	eqs("symlink.readlink", buf, "target/path");
	memset(buf, 0, sizeof(buf));
	eq("symlink.readlink-short-buffer", readlink("l", buf, 6), 6);
	eqs("symlink.readlink-short-content", buf, "target");
	ERR("symlink.existing-eexist", symlink("x", "l"), EEXIST);
	ERR("symlink.missing-dir-enoent", symlink("x", "nodir/l"), ENOENT);
	ERR("symlink.long-name-enametoolong", symlink("x", long_name), ENAMETOOLONG);
	put("f", "content", 0644);
	ERR("symlink.file-as-dir-enotdir", symlink("x", "f/l"), ENOTDIR);
	ERR("symlink.readlink-regular-einval", readlink("f", buf, sizeof(buf)), EINVAL);
	ERR("symlink.readlink-missing-enoent", readlink("missing", buf, sizeof(buf)), ENOENT);
	ERR("symlink.empty-target-enoent", symlink("", "empty"), ENOENT);
	static char huge[PATH_MAX + 1];
	memset(huge, 'h', PATH_MAX);
	ERR("symlink.target-path-max-enametoolong", symlink(huge, "huge"), ENAMETOOLONG);

	/* A target of PATH_MAX - 1 bytes is kept whole. */
	char longt[PATH_MAX];
	memset(longt, 'x', sizeof(longt));
	for (int i = 200; i < PATH_MAX - 1; i += 200)
		longt[i] = '/';
	longt[PATH_MAX - 1] = '\0';
	OK("symlink.long-target", symlink(longt, "longt"));
	eq("symlink.long-target-size", S("longt").size, PATH_MAX - 1);
	memset(buf, 0, sizeof(buf));
	eq("symlink.long-target-readlink", readlink("longt", buf, sizeof(buf)), PATH_MAX - 1);
	truth("symlink.long-target-content", memcmp(buf, longt, PATH_MAX - 1) == 0, "target differs");

	OK("symlink.to-file", symlink("f", "lf"));
	get("lf", buf, sizeof(buf));
	eqs("symlink.follow-read", buf, "content");
	eq("symlink.stat-follows", stat_at(AT_FDCWD, "lf", 0).ino, S("f").ino);
	mkdir_mode("d", 0755);
	symlink("d", "ld");
	put("d/in", "in", 0644);
	get("ld/in", buf, sizeof(buf));
	eqs("symlink.dir-traverse", buf, "in");

	/* 41 chained links exceed the kernel's 40 */
	char n[16], t[16];
	for (int i = 0; i < 41; i++) {
		snprintf(n, sizeof(n), "c%d", i);
		snprintf(t, sizeof(t), i == 40 ? "f" : "c%d", i + 1);
		symlink(t, n);
	}
	ERR("symlink.chain-41-eloop", open("c0", O_RDONLY), ELOOP);
	int fd = OK("symlink.chain-40", open("c1", O_RDONLY));
	if (fd >= 0)
		close(fd);
	symlink("self", "self");
	ERR("symlink.self-loop-stat-eloop", stat_follow("self"), ELOOP);

	mkdir_mode("rootdir", 0755);
	AS_USER(U1, G1) {
		ERR("symlink.user-in-0755-eacces", symlink("x", "rootdir/l"), EACCES);
		OK("symlink.user", symlink("x", "ul"));
	}
	s = S("ul");
	eq("symlink.user-owner", (long long)s.uid * 100000 + s.gid, (long long)U1 * 100000 + G1);
}

static void t_mknod(void)
{
	group("mknod");
	struct st b, a, s;
	char buf[8];

	age(".");
	b = S(".");
	tick();
	OK("mknod.fifo", mknod("fifo", S_IFIFO | 0666, 0));
	a = S(".");
	s = S("fifo");
	eq("mknod.fifo-mode", s.mode, S_IFIFO | 0644);
	check_times("mknod.fifo-parent", b, a, "mc", "");
	OK("mkfifo.create", mkfifo("ff", 0600));
	eq("mkfifo.mode", S("ff").mode, S_IFIFO | 0600);
	ERR("mkfifo.existing-eexist", mkfifo("ff", 0600), EEXIST);
	ERR("mkfifo.missing-dir-enoent", mkfifo("nodir/ff", 0600), ENOENT);
	ERR("mkfifo.long-name-enametoolong", mkfifo(long_name, 0600), ENAMETOOLONG);
	/* A FIFO is the guest's own pipe: data never goes to the daemon. */
	int fd = OK("mkfifo.open", open("ff", O_RDWR | O_NONBLOCK));
	eq("mkfifo.write", write(fd, "pipe", 4), 4);
	memset(buf, 0, sizeof(buf));
	eq("mkfifo.read", read(fd, buf, sizeof(buf)), 4);
	eqs("mkfifo.data", buf, "pipe");
	close(fd);
	eq("mkfifo.size-0", S("ff").size, 0);
	OK("mknod.regular", mknod("reg", S_IFREG | 0640, 0));
	eq("mknod.regular-mode", S("reg").mode, S_IFREG | 0640);
	OK("mknod.chardev", mknod("null", S_IFCHR | 0600, makedev(1, 3)));
	s = S("null");
	eq("mknod.chardev-mode", s.mode, S_IFCHR | 0600);
	eq("mknod.chardev-rdev", s.rdev, makedev(1, 3));
	OK("mknod.blockdev", mknod("blk", S_IFBLK | 0600, makedev(7, 200)));
	eq("mknod.blockdev-rdev", S("blk").rdev, makedev(7, 200));
	OK("mknod.socket", mknod("sock", S_IFSOCK | 0600, 0));
	eq("mknod.socket-mode", S("sock").mode, S_IFSOCK | 0600);
	ERR("mknod.bad-type-einval", mknod("bad", 0170000 | 0600, 0), EINVAL);
	AS_USER(U1, G1) {
		ERR("mknod.user-chardev-eperm", mknod("unull", S_IFCHR | 0600, makedev(1, 3)), EPERM);
		OK("mknod.user-fifo", mkfifo("ufifo", 0600));
	}
	s = S("ufifo");
	eq("mknod.user-fifo-owner", (long long)s.uid * 100000 + s.gid, (long long)U1 * 100000 + G1);
}

static void t_xattr(void)
{
	group("xattr");
	struct st b, a;
	char buf[256];
	int fd;

	put("f", "x", 0644);
	b = S("f");
	tick();
	OK("xattr.set", setxattr("f", "user.one", "value1", 6, 0));
	a = S("f");
	check_times("xattr.set", b, a, "c", "m");
	memset(buf, 0, sizeof(buf));
	eq("xattr.get-size", getxattr("f", "user.one", buf, sizeof(buf)), 6);
	eqs("xattr.get-value", buf, "value1");
	eq("xattr.get-size-query", getxattr("f", "user.one", NULL, 0), 6);
	ERR("xattr.get-small-buffer-erange", getxattr("f", "user.one", buf, 3), ERANGE);
	ERR("xattr.get-missing-enodata", getxattr("f", "user.none", buf, sizeof(buf)), ENODATA);
	OK("xattr.set-empty", setxattr("f", "user.empty", "", 0, 0));
	eq("xattr.get-empty", getxattr("f", "user.empty", buf, sizeof(buf)), 0);
	ERR("xattr.create-existing-eexist", setxattr("f", "user.one", "v", 1, XATTR_CREATE), EEXIST);
	ERR("xattr.replace-missing-enodata", setxattr("f", "user.two", "v", 1, XATTR_REPLACE), ENODATA);
	OK("xattr.create-new", setxattr("f", "user.two", "2", 1, XATTR_CREATE));
	OK("xattr.replace-existing", setxattr("f", "user.one", "new", 3, XATTR_REPLACE));
	memset(buf, 0, sizeof(buf));
	getxattr("f", "user.one", buf, sizeof(buf));
	eqs("xattr.replace-value", buf, "new");
	ERR("xattr.bad-flags-einval", setxattr("f", "user.x", "v", 1, 4), EINVAL);

	memset(buf, 0, sizeof(buf));
	ssize_t n = listxattr("f", buf, sizeof(buf));
	int seen = 0;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1) {
		if (!strcmp(buf + i, "user.one"))
			seen |= 1;
		if (!strcmp(buf + i, "user.two"))
			seen |= 2;
		if (!strcmp(buf + i, "user.empty"))
			seen |= 4;
	}
	eq("xattr.list-names", seen, 7);
	eq("xattr.list-size-query", listxattr("f", NULL, 0), n);
	ERR("xattr.list-small-buffer-erange", listxattr("f", buf, 4), ERANGE);

	b = S("f");
	tick();
	OK("xattr.remove", removexattr("f", "user.two"));
	a = S("f");
	check_times("xattr.remove", b, a, "c", "m");
	ERR("xattr.get-removed-enodata", getxattr("f", "user.two", buf, sizeof(buf)), ENODATA);
	ERR("xattr.remove-missing-enodata", removexattr("f", "user.two"), ENODATA);

	fd = open("f", O_RDONLY);
	OK("xattr.fset", fsetxattr(fd, "user.fd", "fdv", 3, 0));
	eq("xattr.fget", fgetxattr(fd, "user.fd", buf, sizeof(buf)), 3);
	OK("xattr.fremove", fremovexattr(fd, "user.fd"));
	close(fd);

	mkdir_mode("d", 0755);
	OK("xattr.dir-set", setxattr("d", "user.d", "dv", 2, 0));
	eq("xattr.dir-get", getxattr("d", "user.d", buf, sizeof(buf)), 2);
	symlink("f", "l");
	ERR("xattr.symlink-user-eperm", lsetxattr("l", "user.l", "v", 1, 0), EPERM);
	eq("xattr.through-symlink", getxattr("l", "user.one", buf, sizeof(buf)), 3);
	ERR("xattr.missing-file-enoent", getxattr("missing", "user.one", buf, sizeof(buf)), ENOENT);
	char longattr[300] = "user.";
	memset(longattr + 5, 'n', 260);
	longattr[265] = '\0';
	ERR("xattr.long-name-erange", setxattr("f", longattr, "v", 1, 0), ERANGE);
	ERR("xattr.unknown-namespace-eopnotsupp", setxattr("f", "bogus.x", "v", 1, 0), EOPNOTSUPP);

	put("uf", "u", 0644);
	set_owner("uf", U1, G1);
	AS_USER(U1, G1) {
		ERR("xattr.user-set-not-writable-eacces", setxattr("f", "user.u", "v", 1, 0), EACCES);
		ERR("xattr.user-remove-not-writable-eacces", removexattr("f", "user.one"), EACCES);
		ERR("xattr.user-trusted-eperm", setxattr("uf", "trusted.t", "t", 1, 0), EPERM);
		OK("xattr.user-set-own", setxattr("uf", "user.mine", "m", 1, 0));
		eq("xattr.user-get-readable", getxattr("f", "user.one", NULL, 0), 3);
		eq("xattr.user-list-readable", listxattr("f", NULL, 0) > 0, 1);
	}
	eq("xattr.user-set-own-value", getxattr("uf", "user.mine", NULL, 0), 1);
}

static void t_fallocate(void)
{
	group("fallocate");
	struct st b, a;
	char buf[8192];
	int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);

	age("f");
	b = SF(fd);
	tick();
	OK("fallocate.extend", fallocate(fd, 0, 0, 8192));
	a = SF(fd);
	eq("fallocate.extend-size", a.size, 8192);
	truth("fallocate.extend-blocks", a.blocks >= 16, "fewer than 16 blocks allocated");
	check_times("fallocate.extend", b, a, "mc", "");
	OK("fallocate.keep-size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 65536));
	eq("fallocate.keep-size-size", SF(fd).size, 8192);
	memset(buf, 'd', sizeof(buf));
	pwrite(fd, buf, sizeof(buf), 0);
	int r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1024, 2048);
	if (r < 0 && errno == EOPNOTSUPP) {
		printf("NOTE fallocate.punch-hole: the host filesystem does not punch holes\n");
		pass("fallocate.punch-hole-refused-cleanly");
	} else {
		expect_ok("fallocate.punch-hole", r, errno);
		eq("fallocate.punch-hole-size", SF(fd).size, 8192);
		memset(buf, 'x', sizeof(buf));
		eq("fallocate.punch-hole-read", pread(fd, buf, sizeof(buf), 0), 8192);
		bool zeros = true;
		for (int i = 1024; i < 3072; i++)
			zeros &= buf[i] == 0;
		truth("fallocate.punch-hole-zeros", zeros && buf[1023] == 'd' && buf[3072] == 'd', "wrong bytes around the hole");
	}
	ERR("fallocate.punch-without-keep-size-eopnotsupp", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10), EOPNOTSUPP);
	ERR("fallocate.zero-length-einval", fallocate(fd, 0, 0, 0), EINVAL);
	ERR("fallocate.negative-offset-einval", fallocate(fd, 0, -1, 10), EINVAL);
	close(fd);
	fd = open("f", O_RDONLY);
	ERR("fallocate.rdonly-ebadf", fallocate(fd, 0, 0, 10), EBADF);
	close(fd);
	mkdir_mode("d", 0755);
	fd = open("d", O_RDONLY | O_DIRECTORY);
	ERR2("fallocate.dir-eisdir", fallocate(fd, 0, 0, 10), EBADF, EISDIR);
	close(fd);
}

static void t_seek(void)
{
	group("seek");
	static char data[4096];
	int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);

	memset(data, 's', sizeof(data));
	pwrite(fd, data, sizeof(data), 0);
	pwrite(fd, data, sizeof(data), 1 << 20);
	fsync(fd);
	const off_t size = (1 << 20) + 4096;
	eq("seek.end", lseek(fd, 0, SEEK_END), size);
	eq("seek.set", lseek(fd, 100, SEEK_SET), 100);
	eq("seek.cur", lseek(fd, 10, SEEK_CUR), 110);
	ERR("seek.negative-einval", lseek(fd, -1, SEEK_SET), EINVAL);
	ERR("seek.bad-whence-einval", lseek(fd, 0, 99), EINVAL);
	eq("seek.data-at-0", lseek(fd, 0, SEEK_DATA), 0);
	off_t hole = lseek(fd, 0, SEEK_HOLE);
	truth("seek.hole-after-first-block", hole >= 4096 && hole <= size, "hole outside [4096, size]");
	off_t d = lseek(fd, 8192, SEEK_DATA);
	truth("seek.data-in-second-extent", d >= 8192 && d <= 1 << 20, "data offset outside [8192, 1M]");
	eq("seek.hole-at-last-byte", lseek(fd, size - 1, SEEK_HOLE), size);
	ERR("seek.data-past-eof-enxio", lseek(fd, size, SEEK_DATA), ENXIO);
	ERR("seek.hole-past-eof-enxio", lseek(fd, size + 10, SEEK_HOLE), ENXIO);
	ERR("seek.data-negative-enxio", lseek(fd, -1, SEEK_DATA), ENXIO);
	ERR("seek.hole-negative-enxio", lseek(fd, -4096, SEEK_HOLE), ENXIO);
	if (hole < (1 << 20))
		printf("NOTE seek: first hole found at %lld\n", (long long)hole);
	close(fd);
	mkfifo("fifo", 0644);
	fd = open("fifo", O_RDWR | O_NONBLOCK);
	ERR("seek.fifo-espipe", lseek(fd, 0, SEEK_SET), ESPIPE);
	close(fd);
}

static void t_statfs_fsync(void)
{
	group("statfs");
	struct statfs f, g;
	int fd;

	OK("statfs.call", statfs(".", &f));
	eq("statfs.type-fuse", f.f_type, FUSE_SUPER_MAGIC);
	truth("statfs.blocks", f.f_blocks > 0 && f.f_bfree <= f.f_blocks && f.f_bavail <= f.f_bfree,
	      "blocks/bfree/bavail inconsistent");
	truth("statfs.bsize", f.f_bsize > 0 && f.f_frsize > 0, "zero block size");
	eq("statfs.namelen", f.f_namelen, 255);
	truth("statfs.files", f.f_ffree <= f.f_files, "ffree > files");
	fd = open(".", O_RDONLY | O_DIRECTORY);
	OK("statfs.fstatfs", fstatfs(fd, &g));
	eq("statfs.fstatfs-same-blocks", g.f_blocks, f.f_blocks);
	close(fd);
	ERR("statfs.missing-enoent", statfs("missing", &g), ENOENT);
	/* Writing 1 MiB and syncing makes the free count drop (or stay, on a
	 * host filesystem that reports loosely): never grow by the write. */
	fd = open("big", O_WRONLY | O_CREAT, 0644);
	static char mb[1 << 20];
	memset(mb, 1, sizeof(mb));
	eq("statfs.write-1m", write(fd, mb, sizeof(mb)), (long long)sizeof(mb));
	OK("fsync.file", fsync(fd));
	OK("fsync.fdatasync", fdatasync(fd));
	OK("fsync.syncfs", syncfs(fd));
	close(fd);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	OK("fsync.dir", fsync(fd));
	close(fd);
	fd = open("big", O_RDONLY);
	OK("fsync.rdonly-file", fsync(fd));
	close(fd);
	AS_USER(U1, G1) {
		struct statfs h;
		OK("statfs.user", statfs(".", &h));
	}
}

/* Setgid directories: new entries take the directory's group; new
 * subdirectories inherit S_ISGID. */
static void t_setgid_dir(void)
{
	group("setgid");
	struct st s;

	mkdir_mode("sg", 0777);
	set_owner("sg", 0, OTHER_GID);
	set_mode("sg", 02777);
	put("sg/f", "x", 0644);
	s = S("sg/f");
	eq("setgid.file-gid", s.gid, OTHER_GID);
	eq("setgid.file-no-sgid", s.mode, S_IFREG | 0644);
	OK("setgid.mkdir", mkdir("sg/sub", 0755));
	s = S("sg/sub");
	eq("setgid.subdir-gid", s.gid, OTHER_GID);
	eq("setgid.subdir-inherits-sgid", s.mode, S_IFDIR | 02755);
	OK("setgid.symlink", symlink("x", "sg/l"));
	eq("setgid.symlink-gid", S("sg/l").gid, OTHER_GID);
	OK("setgid.mknod", mkfifo("sg/fifo", 0644));
	eq("setgid.fifo-gid", S("sg/fifo").gid, OTHER_GID);
	put("sg/sub/deep", "x", 0644);
	eq("setgid.nested-file-gid", S("sg/sub/deep").gid, OTHER_GID);
	AS_USER(U1, G1) {
		int fd = OK("setgid.user-creat", open("sg/uf", O_WRONLY | O_CREAT, 0644));
		close(fd);
		OK("setgid.user-mkdir", mkdir("sg/ud", 0755));
		/* Not in the group: S_ISGID on a new group-executable file is dropped. */
		fd = OK("setgid.user-creat-sgid", open("sg/ux", O_WRONLY | O_CREAT, 02755));
		close(fd);
	}
	s = S("sg/uf");
	eq("setgid.user-file-owner", (long long)s.uid * 100000 + s.gid, (long long)U1 * 100000 + OTHER_GID);
	s = S("sg/ud");
	eq("setgid.user-dir-gid", s.gid, OTHER_GID);
	eq("setgid.user-dir-inherits-sgid", s.mode, S_IFDIR | 02755);
	eq("setgid.user-creat-sgid-dropped", S("sg/ux").mode, S_IFREG | 0755);
	/* Not a setgid dir: the creator's group. */
	mkdir_mode("plain", 0777);
	set_owner("plain", 0, OTHER_GID);
	AS_USER(U1, G1) {
		int fd = open("plain/uf", O_WRONLY | O_CREAT, 0644);
		close(fd);
	}
	eq("setgid.plain-dir-creator-gid", S("plain/uf").gid, G1);
}

/* Sticky directories: only the entry's owner, the directory's owner or root
 * may remove or rename an entry. */
static void t_sticky(void)
{
	group("sticky");

	mkdir_mode("st", 01777);
	AS_USER(U1, G1) {
		put("st/u1", "1", 0644);
		put("st/u1b", "1", 0644);
		put("st/u1c", "1", 0666);
		set_mode("st/u1c", 0666);
		mkdir("st/u1dir", 0777);
	}
	AS_USER(U2, G2) {
		put("st/u2", "2", 0644);
		ERR("sticky.other-unlink-eperm", unlink("st/u1"), EPERM);
		ERR("sticky.other-rename-from-eperm", rename("st/u1", "st/mine"), EPERM);
		ERR("sticky.other-rename-over-eperm", rename("st/u2", "st/u1"), EPERM);
		ERR("sticky.other-rmdir-eperm", rmdir("st/u1dir"), EPERM);
		ERR("sticky.other-exchange-eperm",
		    renameat2(AT_FDCWD, "st/u2", AT_FDCWD, "st/u1", RENAME_EXCHANGE), EPERM);
		/* Writable content is still writable: only the name is protected. */
		int fd = OK("sticky.other-write-content", open("st/u1c", O_WRONLY));
		close(fd);
		OK("sticky.other-own-unlink", unlink("st/u2"));
	}
	eq("sticky.protected-entries-kept", exists("st/u1") + exists("st/u1dir"), 2);
	AS_USER(U1, G1) {
		OK("sticky.owner-rename", rename("st/u1b", "st/u1b2"));
		OK("sticky.owner-unlink", unlink("st/u1b2"));
	}
	OK("sticky.root-unlink", unlink("st/u1"));
	/* The directory's owner may remove others' entries. */
	mkdir_mode("ost", 01777);
	set_owner("ost", U2, G2);
	AS_USER(U1, G1) {
		put("ost/f", "1", 0644);
	}
	AS_USER(U2, G2) {
		OK("sticky.dir-owner-unlink", unlink("ost/f"));
	}
}

static void t_names(void)
{
	group("names");
	char name[NAME_MAX + 1];

	memset(name, 'n', NAME_MAX);
	name[NAME_MAX] = '\0';
	int fd = OK("names.name-max-creat", open(name, O_WRONLY | O_CREAT, 0644));
	close(fd);
	eq("names.name-max-stat", exists(name), 1);
	OK("names.name-max-unlink", unlink(name));
	ERR("names.long-stat-enametoolong", stat_follow(long_name), ENAMETOOLONG);
	ERR("names.empty-enoent", open("", O_RDONLY), ENOENT);
	put("f", "x", 0644);
	ERR("names.file-trailing-slash-stat-enotdir",
	    stat_follow("f/"), ENOTDIR);
	mkdir_mode("d", 0755);
	eq("names.dotdot-is-parent", S("d/..").ino, S(".").ino);
	eq("names.dot-is-self", S("d/.").ino, S("d").ino);
}

/* Across a host mount boundary inside the share the guest sees one
 * filesystem, so EXDEV and ENOSPC can only come from the host. */
static void t_xdev(const char *xdev)
{
	group("xdev");
	char there[PATH_MAX + 64], there2[PATH_MAX + 64];

	put("f", "x", 0644);
	mkdir_mode("d", 0755);
	snprintf(there, sizeof(there), "%s/posix-f", xdev);
	snprintf(there2, sizeof(there2), "%s/posix-g", xdev);
	put(there2, "g", 0644);
	ERR("xdev.link-exdev", link("f", there), EXDEV);
	ERR("xdev.rename-file-exdev", rename("f", there), EXDEV);
	ERR("xdev.rename-dir-exdev", rename("d", there), EXDEV);
	ERR("xdev.rename-over-exdev", rename("f", there2), EXDEV);
	ERR("xdev.exchange-exdev", renameat2(AT_FDCWD, "f", AT_FDCWD, there2, RENAME_EXCHANGE), EXDEV);
	eq("xdev.source-kept", exists("f") + exists("d"), 2);
	eq("xdev.target-not-created", exists(there), 0);

	/* The host tmpfs is 1 MiB: 2 MiB cannot fit. */
	snprintf(there, sizeof(there), "%s/posix-fill", xdev);
	int fd = open(there, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	static char chunk[65536];
	memset(chunk, 'f', sizeof(chunk));
	int err = 0;
	for (int i = 0; i < 32 && !err; i++)
		if (write(fd, chunk, sizeof(chunk)) < 0)
			err = errno;
	if (!err && fsync(fd) < 0)
		err = errno;
	truth("xdev.write-full-enospc", err == ENOSPC, err ? ename(err) : "2 MiB fit in a 1 MiB tmpfs");
	close(fd);
	OK("xdev.unlink-after-full", unlink(there));
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 3)
		vt_usage("vt-posix DIR [XDEV]");
	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(022);
	if (mkdir(argv[1], 0777) < 0 || chmod(argv[1], 0777) < 0 || !realpath(argv[1], top)) {
		printf("FAIL setup: %s: %s\n", argv[1], ename(errno));
		return 1;
	}
	char xdev[PATH_MAX];
	bool xdev_ok = argc == 3 && realpath(argv[2], xdev);
	if (argc == 3 && !xdev_ok)
		fail("xdev", "%s: %s", argv[2], ename(errno));
	memset(long_name, 'L', NAME_MAX + 1);
	long_name[NAME_MAX + 1] = '\0';
	for (int i = 0; i < PATH_MAX; i += 2) {
		long_path[i] = 'a';
		long_path[i + 1] = '/';
	}
	long_path[PATH_MAX] = '\0';

	t_open();
	t_rw();
	t_truncate();
	t_chmod();
	t_chown();
	t_utimens();
	t_link();
	t_unlink();
	t_rename();
	t_mkdir_rmdir();
	t_symlink();
	t_mknod();
	t_xattr();
	t_fallocate();
	t_seek();
	t_statfs_fsync();
	t_setgid_dir();
	t_sticky();
	t_names();
	if (xdev_ok)
		t_xdev(xdev);
	return failures ? 1 : 0;
}
