/* Metadata benchmark: create N empty files in DIR, stat them, list the
 * directory with attributes (readdir + lstat each), rename them, unlink
 * them.  Prints one "BENCH meta-PHASE SECONDS s" line per phase.
 *   vt-meta N DIR [DIR2]
 * With DIR2 (another mount: two daemons side by side in one guest), each
 * phase runs on both directories in chunks of CHUNK files, alternating
 * which goes first, so that both see the same moments of a noisy machine;
 * the lines then end in " 1" (DIR) or " 2" (DIR2).  The listing, one
 * readdir stream per directory, alternates by chunks of entries too. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 250

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

enum phase { CREATE, STAT, LIST, RENAME, UNLINK, NPHASES };
static const char *const phase_name[NPHASES] = { "create", "stat", "list", "rename", "unlink" };

struct target {
	const char *dir;
	DIR *listing;      /* LIST: the open stream */
	int seen;          /* LIST: entries seen */
	double secs[NPHASES];
};

/* Files [from, to) of one phase (LIST: the next to - from entries). */
static void run_chunk(struct target *g, enum phase p, int from, int to)
{
	char path[4096], path2[4096];
	struct stat st;
	double t = now();
	if (p == LIST) {
		struct dirent *de;
		int want = to - from;
		while (want > 0 && (de = readdir(g->listing))) {
			if (de->d_name[0] == '.')
				continue;
			if (fstatat(dirfd(g->listing), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				die("lstat", de->d_name);
			g->seen++;
			want--;
		}
	}
	for (int i = from; p != LIST && i < to; i++) {
		snprintf(path, sizeof(path), "%s/f%06d", g->dir, i);
		snprintf(path2, sizeof(path2), "%s/r%06d", g->dir, i);
		if (p == CREATE) {
			int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
			if (fd < 0)
				die("create", path);
			close(fd);
		} else if (p == STAT) {
			if (stat(path, &st) < 0)
				die("stat", path);
		} else if (p == RENAME) {
			if (rename(path, path2) < 0)
				die("rename", path);
		} else if (unlink(path2) < 0) {
			die("unlink", path2);
		}
	}
	g->secs[p] += now() - t;
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: vt-meta N DIR [DIR2]\n");
		return 2;
	}
	int n = atoi(argv[1]), ntargets = argc - 2;
	struct target g[2] = { { .dir = argv[2] }, { .dir = argc == 4 ? argv[3] : NULL } };

	for (int k = 0; k < ntargets; k++)
		if (mkdir(g[k].dir, 0755) < 0)
			die("mkdir", g[k].dir);
	for (enum phase p = 0; p < NPHASES; p++) {
		for (int k = 0; k < ntargets && p == LIST; k++)
			if (!(g[k].listing = opendir(g[k].dir)))
				die("opendir", g[k].dir);
		for (int from = 0, c = 0; from < n; from += CHUNK, c++) {
			int to = from + CHUNK < n ? from + CHUNK : n;
			for (int j = 0; j < ntargets; j++)
				run_chunk(&g[(j + c) % ntargets], p, from, to);
		}
		for (int k = 0; k < ntargets && p == LIST; k++) {
			closedir(g[k].listing);
			if (g[k].seen != n)
				die("list count", g[k].dir);
		}
		for (int k = 0; k < ntargets; k++)
			printf("BENCH meta-%s %.3f s%s\n", phase_name[p], g[k].secs[p],
			       ntargets == 1 ? "" : k == 0 ? " 1" : " 2");
	}
	for (int k = 0; k < ntargets; k++)
		rmdir(g[k].dir);
	printf("PASS vt-meta\n");
	return 0;
}
