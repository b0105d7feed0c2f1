/* Directory reading checks, on a directory DIR holding the N entries
 * e00000 .. e(N-1) (vt-entries create, or made on the host):
 *
 * vt-readdir small DIR N SIZE  getdents64 with a SIZE-byte buffer (a few
 *                              entries a call: each call is a READDIR the
 *                              daemon must resume at the last entry taken,
 *                              behind where its own stream stands); each
 *                              name once, and the directory's position after
 *                              each call is the last record's d_off
 * vt-readdir seek DIR N        telldir before every entry, then seekdir back
 *                              to every 7th one (and the first, the last and
 *                              the end): the same entry comes next
 * vt-readdir two DIR N         two open descriptors read by turns, a few
 *                              entries a call: each sees every name once
 * vt-readdir churn DIR N       reads a third of DIR, removes every third
 *                              entry (read or not) and creates N/3 n-names,
 *                              reads on: each entry that stayed comes exactly
 *                              once, the removed and the new at most once;
 *                              a second listing shows exactly what is there
 * vt-readdir types DIR         each entry's d_type and d_ino against lstat
 * vt-readdir attrs DIR         "NAME MODE NLINK UID GID SIZE MAJ:MIN MTIME
 *                              CTIME" of each entry, by name, in the format
 *                              of stat -c '%n %f %h %u %g %s %t:%T %.9Y %.9Z'
 *
 * One line: "OK ..." or "ERR ..." (exit 1). */
#include "vt.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct dent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static void __attribute__((format(printf, 1, 2), noreturn)) fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("ERR ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	exit(1);
}

static int is_dot(const char *s)
{
	return strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

/* The index of "PREFIX%05d" below n, or -1. */
static long index_of(const char *name, char prefix, long n)
{
	char *end;
	if (name[0] != prefix || strlen(name) != 6)
		return -1;
	long i = strtol(name + 1, &end, 10);
	return *end == '\0' && i >= 0 && i < n ? i : -1;
}

/* Counts one e-name in seen[]; other names (and a second sighting) fail. */
static void count_e(unsigned char *seen, const char *name, long n)
{
	long i = index_of(name, 'e', n);
	if (i < 0)
		fail("unexpected entry %s", name);
	if (seen[i]++)
		fail("duplicate entry %s", name);
}

static void all_seen(const unsigned char *seen, long n, const char *what)
{
	for (long i = 0; i < n; i++)
		if (seen[i] != 1)
			fail("%s: e%05ld seen %d times", what, i, seen[i]);
}

static unsigned char *table(long n)
{
	unsigned char *t = calloc(n ? n : 1, 1);
	if (!t)
		vt_errno_exit();
	return t;
}

/* One getdents64 call on fd into buf; each record goes to f(name). */
static long getdents_once(int fd, char *buf, size_t size, void (*f)(void *, const struct dent64 *),
			  void *arg)
{
	long got = syscall(SYS_getdents64, fd, buf, size);
	if (got < 0)
		vt_errno_exit();
	for (long pos = 0; pos < got;) {
		const struct dent64 *d = (const void *)(buf + pos);
		f(arg, d);
		pos += d->d_reclen;
	}
	return got;
}

struct small_state {
	unsigned char *seen;
	long n, dots;
	long long last_off;
};

static void small_entry(void *arg, const struct dent64 *d)
{
	struct small_state *s = arg;
	s->last_off = d->d_off;
	if (is_dot(d->d_name))
		s->dots++;
	else
		count_e(s->seen, d->d_name, s->n);
}

static void small(const char *dir, long n, long size)
{
	struct small_state s = { table(n), n, 0, 0 };
	char *buf = malloc(size);
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || !buf)
		vt_errno_exit();
	while (getdents_once(fd, buf, size, small_entry, &s) > 0) {
		off_t pos = lseek(fd, 0, SEEK_CUR);
		if (pos != s.last_off)
			fail("small: position %lld after a call, last d_off %lld", (long long)pos,
			     s.last_off);
	}
	all_seen(s.seen, n, "small");
	if (s.dots != 2)
		fail("small: %ld dot entries", s.dots);
	close(fd);
	printf("OK count=%ld\n", n);
}

static void seek(const char *dir, long n)
{
	DIR *d = opendir(dir);
	long total = n + 2, k = 0;
	long *pos = malloc(sizeof(long) * (total + 1));
	char (*names)[8] = malloc(8 * (total + 1));
	struct dirent *e;
	if (!d || !pos || !names)
		vt_errno_exit();
	for (;;) {
		long here = telldir(d);
		errno = 0;
		e = readdir(d);
		if (!e)
			break;
		if (k == total || strlen(e->d_name) > 6)
			fail("seek: more than %ld entries or a long name", total);
		pos[k] = here;
		snprintf(names[k], sizeof(names[k]), "%s", e->d_name);
		k++;
	}
	if (errno)
		vt_errno_exit();
	if (k != total)
		fail("seek: %ld entries, want %ld", k, total);
	pos[k] = telldir(d);
	/* Backwards, so that each seek goes against the stream. */
	for (long i = k; i-- > 0;) {
		if (i % 7 && i != 0 && i != k - 1)
			continue;
		seekdir(d, pos[i]);
		errno = 0;
		e = readdir(d);
		if (!e)
			fail("seek: nothing after seekdir to entry %ld (errno %d)", i, errno);
		if (strcmp(e->d_name, names[i]))
			fail("seek: after seekdir to %s (entry %ld) came %s", names[i], i, e->d_name);
	}
	seekdir(d, pos[k]);
	errno = 0;
	e = readdir(d);
	if (e || errno)
		fail("seek: an entry or an error after seekdir to the end (errno %d)", errno);
	rewinddir(d);
	long again = 0;
	while ((e = readdir(d)))
		again++;
	if (again != total)
		fail("seek: %ld entries after rewinddir, want %ld", again, total);
	closedir(d);
	printf("OK entries=%ld\n", total);
}

static void two(const char *dir, long n)
{
	struct small_state s[2] = { { table(n), n, 0, 0 }, { table(n), n, 0, 0 } };
	int fd[2] = { open(dir, O_RDONLY | O_DIRECTORY), open(dir, O_RDONLY | O_DIRECTORY) };
	char buf[200];
	int live = 3;
	if (fd[0] < 0 || fd[1] < 0)
		vt_errno_exit();
	/* Unequal steps, so the two streams stand at different places. */
	while (live) {
		if ((live & 1) && getdents_once(fd[0], buf, 120, small_entry, &s[0]) == 0)
			live &= ~1;
		if ((live & 2) && getdents_once(fd[1], buf, sizeof(buf), small_entry, &s[1]) == 0)
			live &= ~2;
	}
	all_seen(s[0].seen, n, "two-first");
	all_seen(s[1].seen, n, "two-second");
	close(fd[0]);
	close(fd[1]);
	printf("OK count=%ld twice\n", n);
}

struct churn_state {
	unsigned char *e, *nn;
	long n;
	long taken;
};

static void churn_entry(void *arg, const struct dent64 *d)
{
	struct churn_state *s = arg;
	long i;
	if (is_dot(d->d_name))
		return;
	s->taken++;
	if ((i = index_of(d->d_name, 'e', s->n)) >= 0) {
		if (s->e[i]++)
			fail("churn: entry %s twice", d->d_name);
	} else if ((i = index_of(d->d_name, 'n', s->n)) >= 0) {
		if (s->nn[i]++)
			fail("churn: new entry %s twice", d->d_name);
	} else {
		fail("churn: unexpected entry %s", d->d_name);
	}
}

static void churn(const char *dir, long n)
{
	struct churn_state s = { table(n), table(n), n, 0 };
	char buf[256], path[4096];
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		vt_errno_exit();
	while (s.taken < n / 3 && getdents_once(fd, buf, sizeof(buf), churn_entry, &s) > 0)
		;
	for (long i = 0; i < n; i += 3) {
		snprintf(path, sizeof(path), "%s/e%05ld", dir, i);
		vt_check(unlink(path));
	}
	for (long i = 0; i < n / 3; i++) {
		snprintf(path, sizeof(path), "%s/n%05ld", dir, i);
		int f = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		vt_check(f);
		close(f);
	}
	while (getdents_once(fd, buf, sizeof(buf), churn_entry, &s) > 0)
		;
	close(fd);
	for (long i = 0; i < n; i++)
		if (i % 3 && s.e[i] != 1)
			fail("churn: e%05ld seen %d times", i, s.e[i]);
	/* Now a listing from the start holds exactly what is there. */
	memset(s.e, 0, n);
	memset(s.nn, 0, n);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		vt_errno_exit();
	while (getdents_once(fd, buf, sizeof(buf), churn_entry, &s) > 0)
		;
	close(fd);
	for (long i = 0; i < n; i++) {
		if (s.e[i] != (i % 3 != 0))
			fail("churn, listed again: e%05ld seen %d times", i, s.e[i]);
		if (s.nn[i] != (i < n / 3))
			fail("churn, listed again: n%05ld seen %d times", i, s.nn[i]);
	}
	printf("OK kept=%ld removed=%ld created=%ld\n", n - (n + 2) / 3, (n + 2) / 3, n / 3);
}

static const char *type_of_dtype(unsigned char t)
{
	switch (t) {
	case DT_REG: return "reg";
	case DT_DIR: return "dir";
	case DT_LNK: return "lnk";
	case DT_FIFO: return "fifo";
	case DT_SOCK: return "sock";
	case DT_CHR: return "chr";
	case DT_BLK: return "blk";
	}
	return "unknown";
}

static void types(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long k = 0;
	if (!d)
		vt_errno_exit();
	while ((e = readdir(d))) {
		struct stat st;
		if (is_dot(e->d_name))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			vt_errno_exit();
		if (e->d_type != IFTODT(st.st_mode)) {
			printf("ERR %s: d_type %s, lstat %s\n", e->d_name, type_of_dtype(e->d_type),
			       type_of_dtype(IFTODT(st.st_mode)));
			exit(1);
		}
		if (e->d_ino != st.st_ino) {
			printf("ERR %s: d_ino %llu, st_ino %llu\n", e->d_name,
			       (unsigned long long)e->d_ino, (unsigned long long)st.st_ino);
			exit(1);
		}
		k++;
	}
	closedir(d);
	printf("OK entries=%ld\n", k);
}

/* SEC.NSEC as stat(1)'s %.9Y prints it: the true value, also below 0. */
static void format_time(char *out, size_t size, struct timespec t)
{
	if (t.tv_sec < 0 && t.tv_nsec > 0)
		snprintf(out, size, "-%lld.%09ld", -(long long)t.tv_sec - 1, 1000000000L - t.tv_nsec);
	else
		snprintf(out, size, "%lld.%09ld", (long long)t.tv_sec, t.tv_nsec);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each entry is stat'ed as it comes (answered from the READDIRPLUS reply's
 * attributes when the guest used it) and printed in name order. */
static void attrs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **lines = NULL;
	long k = 0, cap = 0;
	if (!d)
		vt_errno_exit();
	while ((e = readdir(d))) {
		struct stat st;
		char mtime[48], ctime[48];
		if (is_dot(e->d_name))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			vt_errno_exit();
		if (k == cap) {
			cap = cap ? cap * 2 : 64;
			lines = realloc(lines, cap * sizeof(*lines));
			if (!lines)
				vt_errno_exit();
		}
		format_time(mtime, sizeof(mtime), st.st_mtim);
		format_time(ctime, sizeof(ctime), st.st_ctim);
		if (asprintf(&lines[k++], "%s %x %lu %u %u %lld %x:%x %s %s", e->d_name, st.st_mode,
			     (unsigned long)st.st_nlink, st.st_uid, st.st_gid, (long long)st.st_size,
			     major(st.st_rdev), minor(st.st_rdev), mtime, ctime) < 0)
			vt_errno_exit();
	}
	closedir(d);
	qsort(lines, k, sizeof(*lines), by_name);
	for (long i = 0; i < k; i++)
		printf("%s\n", lines[i]);
}

int main(int argc, char **argv)
{
	const char *usage = "vt-readdir small DIR N SIZE | seek|two|churn DIR N | types|attrs DIR";
	if (argc < 3)
		vt_usage(usage);
	const char *op = argv[1], *dir = argv[2];
	if (!strcmp(op, "types") && argc == 3)
		types(dir);
	else if (!strcmp(op, "attrs") && argc == 3)
		attrs(dir);
	else if (argc >= 4) {
		long n = vt_number(argv[3]);
		if (n < 0 || n > 99999)
			vt_usage("N must be 0..99999");
		if (!strcmp(op, "small") && argc == 5)
			small(dir, n, vt_number(argv[4]));
		else if (!strcmp(op, "seek") && argc == 4)
			seek(dir, n);
		else if (!strcmp(op, "two") && argc == 4)
			two(dir, n);
		else if (!strcmp(op, "churn") && argc == 4)
			churn(dir, n);
		else
			vt_usage(usage);
	} else {
		vt_usage(usage);
	}
	return 0;
}
