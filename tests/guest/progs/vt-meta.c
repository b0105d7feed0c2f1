/* Metadata benchmark: create N empty files in DIR, stat them, list the
 * directory with attributes (readdir + lstat each), rename them, unlink
 * them.  Prints one "BENCH meta-PHASE SECONDS s" line per phase.
 *   vt-meta N DIR */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *path)
{
	printf("FAIL vt-meta: %s %s\n", what, path);
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: vt-meta N DIR\n");
		return 2;
	}
	int n = atoi(argv[1]);
	const char *dir = argv[2];
	char path[4096], path2[4096];
	struct stat st;
	double t;

	if (mkdir(dir, 0755) < 0)
		die("mkdir", dir);
	t = now();
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%06d", dir, i);
		int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0)
			die("create", path);
		close(fd);
	}
	printf("BENCH meta-create %.3f s\n", now() - t);

	t = now();
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%06d", dir, i);
		if (stat(path, &st) < 0)
			die("stat", path);
	}
	printf("BENCH meta-stat %.3f s\n", now() - t);

	t = now();
	DIR *d = opendir(dir);
	if (!d)
		die("opendir", dir);
	int seen = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die("lstat", de->d_name);
		seen++;
	}
	closedir(d);
	printf("BENCH meta-list %.3f s\n", now() - t);
	if (seen != n)
		die("list count", dir);

	t = now();
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%06d", dir, i);
		snprintf(path2, sizeof(path2), "%s/r%06d", dir, i);
		if (rename(path, path2) < 0)
			die("rename", path);
	}
	printf("BENCH meta-rename %.3f s\n", now() - t);

	t = now();
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/r%06d", dir, i);
		if (unlink(path) < 0)
			die("unlink", path);
	}
	printf("BENCH meta-unlink %.3f s\n", now() - t);
	rmdir(dir);
	printf("PASS vt-meta\n");
	return 0;
}
