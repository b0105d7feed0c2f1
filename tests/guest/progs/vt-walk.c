/* vt-walk walk DIR
 *     walks DIR depth first: lstat of every entry, and for each regular file
 *     the first bytes, which must be the file's own name (the fd-budget
 *     trees are made so); prints
 *     "OK entries=N files=F dirs=D errors=E" and the first few errors
 * vt-walk hold DIR N
 *     opens the regular files of DIR (one level) until N are open, counting
 *     those refused with EMFILE; while they are held, stats, lists, makes
 *     and removes names and reads through the open fds; then closes them
 *     all and opens one again; prints "OK held=H emfile=M other=O side=S"
 *     where side counts the operations that failed while the files were
 *     held (want 0)
 * vt-walk inos DIR...
 *     prints "PATH INO HANDLE" for each regular file in the DIRs (one
 *     level); HANDLE is the guest's FUSE file handle (nodeid, generation)
 * vt-walk recheck LIST
 *     for each "PATH INO" line: opens PATH and reads the decimal number the
 *     file holds (the fd-budget-rename files hold their own host inode
 *     number): through the guest inode listed (same FUSE file handle, i.e.
 *     nodeid) it must be the number listed, through a guest inode looked
 *     up anew the st_ino of that inode; otherwise the daemon served another
 *     file's content ("wrong"); prints
 *     "OK same=S new=N estale=E enoent=F other=O wrong=W" */
#include "vt.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static long entries, files, dirs, errors;

static void error(const char *what, const char *path, int err)
{
	if (++errors <= 5)
		printf("error %s %s: %s\n", what, path, strerrorname_np(err));
}

static void check_file(const char *path, const char *name)
{
	char buf[NAME_MAX + 2];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		error("open", path, errno);
		return;
	}
	size_t want = strlen(name);
	ssize_t n = read(fd, buf, want < sizeof(buf) ? want : sizeof(buf));
	if (n < 0)
		error("read", path, errno);
	else if ((size_t)n != want || memcmp(buf, name, want))
		error("content", path, EBADMSG);
	close(fd);
}

static void walk(const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		error("opendir", path, errno);
		return;
	}
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char child[PATH_MAX];
		snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		struct stat st;
		entries++;
		if (lstat(child, &st) < 0) {
			error("lstat", child, errno);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			dirs++;
			walk(child);
		} else if (S_ISREG(st.st_mode)) {
			files++;
			check_file(child, e->d_name);
		}
		errno = 0;
	}
	if (errno)
		error("readdir", path, errno);
	closedir(d);
}

static long side;

static void side_op(const char *what, int ok)
{
	if (!ok) {
		side++;
		if (side <= 5)
			printf("side %s: %s\n", what, strerrorname_np(errno));
	}
}

static void hold(const char *dir, long n)
{
	int *fds = calloc((size_t)n, sizeof(int));
	long held = 0, emfile = 0, other = 0;
	/* The guest's own limit must not be what refuses the opens. */
	struct rlimit rl = { (rlim_t)n + 64, (rlim_t)n + 64 };
	vt_check(setrlimit(RLIMIT_NOFILE, &rl));
	DIR *d = opendir(dir);
	if (!fds || !d)
		vt_errno_exit();
	struct dirent *e;
	char path[PATH_MAX];
	while (held < n && (e = readdir(d)) != NULL) {
		if (e->d_type != DT_REG)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		int fd = open(path, O_RDONLY);
		if (fd >= 0)
			fds[held++] = fd;
		else if (errno == EMFILE)
			emfile++;
		else
			other++;
	}
	closedir(d);
	/* Everything that needs no new open file keeps working. */
	struct stat st;
	side_op("stat", stat(dir, &st) == 0);
	DIR *d2 = opendir(dir);
	/* opendir needs a handle too: EMFILE is the expected answer while the
	 * share is used up; anything else is a failure. */
	if (d2)
		closedir(d2);
	else
		side_op("opendir", errno == EMFILE);
	snprintf(path, sizeof(path), "%s/../held-dir", dir);
	side_op("mkdir", mkdir(path, 0755) == 0);
	side_op("rmdir", rmdir(path) == 0);
	snprintf(path, sizeof(path), "%s/../held-link", dir);
	side_op("symlink", symlink("target", path) == 0);
	side_op("unlink", unlink(path) == 0);
	char c;
	for (long k = 0; k < held; k++)
		side_op("read", pread(fds[k], &c, 1, 0) == 1);
	for (long k = 0; k < held; k++)
		close(fds[k]);
	/* The share is free again. */
	d = opendir(dir);
	side_op("reopen-dir", d != NULL);
	int again = -1;
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_type != DT_REG)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		again = open(path, O_RDONLY);
		break;
	}
	side_op("reopen-file", again >= 0);
	if (again >= 0)
		close(again);
	if (d)
		closedir(d);
	printf("OK held=%ld emfile=%ld other=%ld side=%ld\n", held, emfile, other, side);
	free(fds);
}

/* The guest inode an fd or path is: FUSE's file handle (nodeid and
 * generation), in hex.  Unlike st_ino it cannot follow a daemon that
 * answers for another host file under the same nodeid. */
static void guest_handle(int dirfd, const char *path, char out[80])
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + 128];
	} h;
	int mnt;
	h.fh.handle_bytes = 128;
	vt_check(name_to_handle_at(dirfd, path, &h.fh, &mnt, path[0] ? 0 : AT_EMPTY_PATH));
	char *p = out;
	for (unsigned k = 0; k < h.fh.handle_bytes && k < 32; k++)
		p += sprintf(p, "%02x", (unsigned char)h.fh.f_handle[k]);
	*p = 0;
}

static void inos(int argc, char **argv)
{
	for (int a = 2; a < argc; a++) {
		DIR *d = opendir(argv[a]);
		if (!d)
			vt_errno_exit();
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			char path[PATH_MAX];
			struct stat st;
			snprintf(path, sizeof(path), "%s/%s", argv[a], e->d_name);
			vt_check(lstat(path, &st));
			if (S_ISREG(st.st_mode)) {
				char gh[80];
				guest_handle(AT_FDCWD, path, gh);
				printf("%s %llu %s\n", path, (unsigned long long)st.st_ino, gh);
			}
		}
		closedir(d);
	}
}

static void recheck(const char *list)
{
	FILE *f = fopen(list, "r");
	char path[PATH_MAX];
	unsigned long long ino;
	long same = 0, new_ino = 0, estale = 0, enoent = 0, other = 0, wrong = 0;
	if (!f)
		vt_errno_exit();
	char before[80], now[80];
	while (fscanf(f, "%4095s %llu %79s", path, &ino, before) == 3) {
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			if (errno == ESTALE)
				estale++;
			else if (errno == ENOENT)
				enoent++;
			else if (++other <= 5)
				printf("error open %s: %s\n", path, strerrorname_np(errno));
			continue;
		}
		char buf[32] = { 0 };
		struct stat st;
		guest_handle(fd, "", now);
		bool same_node = !strcmp(before, now);
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		unsigned long long holds = strtoull(buf, NULL, 10);
		if (n < 0 || fstat(fd, &st) < 0) {
			if (errno == ESTALE)
				estale++;
			else if (++other <= 5)
				printf("error read %s: %s\n", path, strerrorname_np(errno));
		} else if (same_node ? holds != ino : holds != (unsigned long long)st.st_ino) {
			/* The guest inode it looked up, or the one it found anew,
			 * answered with another file's content. */
			if (++wrong <= 5)
				printf("wrong %s: holds %s, listed %llu, %s node\n", path, buf, ino,
				       same_node ? "same" : "new");
		} else if (same_node) {
			same++;
		} else {
			new_ino++;
		}
		close(fd);
	}
	fclose(f);
	printf("OK same=%ld new=%ld estale=%ld enoent=%ld other=%ld wrong=%ld\n", same, new_ino,
	       estale, enoent, other, wrong);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "inos")) {
		inos(argc, argv);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "recheck")) {
		recheck(argv[2]);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "walk")) {
		walk(argv[2]);
		printf("OK entries=%ld files=%ld dirs=%ld errors=%ld\n", entries, files, dirs, errors);
		return errors ? 1 : 0;
	}
	if (argc == 4 && !strcmp(argv[1], "hold")) {
		hold(argv[2], atol(argv[3]));
		return 0;
	}
	vt_usage("vt-walk walk DIR | hold DIR N | inos DIR... | recheck LIST");
}
