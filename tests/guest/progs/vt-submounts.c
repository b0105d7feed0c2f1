/* vt-submounts [-x] [-l LABEL] ROOT: the guest's checker of the submounts
 * tests.  Reads ROOT/submounts.manifest (written by submounts-tree.sh: a line
 * "seed=S n=N", then "I KIND MOUNTPATH DEPTH" per filesystem), walks every
 * entry under ROOT with nftw/lstat (twice: see main) and prints one PASS/FAIL
 * line per check:
 *   LABEL-walk              the walk finished
 *   LABEL-not-mounted-hidden no file named not-mounted is visible
 *   LABEL-contents          every `id` file exists where the manifest puts
 *                           it, with its content, and there is no other
 *   LABEL-st-dev-per-mount  every entry has the st_dev of the mount it is in
 *   LABEL-mounts-once       /proc/self/mountinfo lists ROOT and each mount
 *                           path exactly once, nothing else below ROOT
 *   LABEL-st-dev-distinct   no st_dev shared by two mounts or a mount and ROOT
 *   LABEL-ino-unique        no (st_dev, st_ino) pair repeats in the tree
 * -x (submounts not announced): passes LABEL-st-dev-shared only when some
 * st_dev IS shared, checks that the guest made no submount
 * (LABEL-no-submounts), and reports the st_dev-per-mount and inode checks as
 * NOTE lines. */
#include "vt.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Report texts are cut to their buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define MAX_FS 4096
#define SHOW 5 /* offending paths printed per check */

struct fsdesc {
	char kind[16];
	char path[1024];
	int depth;
	int found;	/* the mount path was walked */
	dev_t dev;
	int mounted;	/* times mountinfo lists it */
};

struct entry {
	char *rel;
	dev_t dev;
	ino_t ino;
	mode_t mode;
};

static struct fsdesc fs[MAX_FS];
static int nfs;
static struct entry *ents;
static size_t nents, cap;
static size_t root_len;
static const char *label = "submounts";

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		perror("realloc");
		exit(2);
	}
	return p;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_NS || type == FTW_DNR) {
		printf("FAIL %s-walk: cannot %s %s: %s\n", label, type == FTW_NS ? "stat" : "read",
		       path, strerror(errno));
		return 0;
	}
	if (nents == cap) {
		cap = cap ? cap * 2 : 1024;
		ents = xrealloc(ents, cap * sizeof(*ents));
	}
	const char *rel = strlen(path) > root_len ? path + root_len + 1 : "";
	ents[nents].rel = strdup(rel);
	ents[nents].dev = st->st_dev;
	ents[nents].ino = st->st_ino;
	ents[nents].mode = st->st_mode;
	nents++;
	return 0;
}

static int skip(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path, (void)st, (void)type, (void)ftw;
	return 0;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* The filesystem an entry is in: the longest mount path that is the entry
 * or one of its folders; -1 for ROOT's own filesystem. */
static int fs_of(const char *rel)
{
	int best = -1;
	size_t best_len = 0;
	for (int i = 0; i < nfs; i++) {
		size_t l = strlen(fs[i].path);
		if (l > best_len && !strncmp(rel, fs[i].path, l) && (rel[l] == '\0' || rel[l] == '/')) {
			best = i;
			best_len = l;
		}
	}
	return best;
}

static void read_manifest(const char *root)
{
	char name[4096], line[2048];
	snprintf(name, sizeof(name), "%s/submounts.manifest", root);
	FILE *f = fopen(name, "r");
	if (!f) {
		printf("FAIL %s-manifest: %s: %s\n", label, name, strerror(errno));
		exit(1);
	}
	if (!fgets(line, sizeof(line), f)) {
		printf("FAIL %s-manifest: empty\n", label);
		exit(1);
	}
	line[strcspn(line, "\n")] = '\0';
	printf("NOTE %s: manifest %s\n", label, line);
	while (fgets(line, sizeof(line), f)) {
		int idx;
		if (nfs == MAX_FS || sscanf(line, "%d %15s %1023s %d", &idx, fs[nfs].kind, fs[nfs].path,
					   &fs[nfs].depth) != 4 || idx != nfs) {
			printf("FAIL %s-manifest: bad line %s", label, line);
			exit(1);
		}
		nfs++;
	}
	fclose(f);
}

/* Whether ROOT/rel holds exactly want. */
static int content_is(const char *root, const char *rel, const char *want, char *got, size_t gotsz)
{
	char name[4096];
	snprintf(name, sizeof(name), "%s/%s", root, rel);
	int fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(got, gotsz, "%s", strerror(errno));
		return 0;
	}
	ssize_t n = read(fd, got, gotsz - 1);
	close(fd);
	got[n < 0 ? 0 : n] = '\0';
	return n >= 0 && !strcmp(got, want);
}

static int report(const char *check, int bad, int as_note, const char *first)
{
	if (bad == 0)
		printf("%s %s-%s\n", as_note ? "NOTE" : "PASS", label, check);
	else
		printf("%s %s-%s: %d bad, first: %s\n", as_note ? "NOTE" : "FAIL", label, check, bad, first);
	return as_note ? 0 : bad;
}

#define NOTE_BAD(buf, ...) \
	do { \
		if (bad++ == 0) \
			snprintf(buf, sizeof(buf), __VA_ARGS__); \
	} while (0)

static int check_hidden(void)
{
	int bad = 0;
	char first[1200] = "";
	for (size_t i = 0; i < nents; i++)
		if (!strcmp(base_name(ents[i].rel), "not-mounted"))
			NOTE_BAD(first, "%s", ents[i].rel);
	return report("not-mounted-hidden", bad, 0, first);
}

static int check_contents(const char *root)
{
	int bad = 0, want_ids = 1, seen_ids = 0;
	char first[1500] = "", got[256], want[1300], rel[1200];
	if (!content_is(root, "id", "fs=root kind=root path=id\n", got, sizeof(got)))
		NOTE_BAD(first, "id: '%s'", got);
	for (int i = 0; i < nfs; i++) {
		snprintf(rel, sizeof(rel), "%s", fs[i].path);
		for (int d = 0; d <= fs[i].depth; d++) {
			if (d)
				strncat(rel, "/sub", sizeof(rel) - strlen(rel) - 1);
			char file[1300];
			snprintf(file, sizeof(file), "%s/id", rel);
			snprintf(want, sizeof(want), "fs=%d kind=%s path=%s\n", i, fs[i].kind, file);
			want_ids++;
			if (!content_is(root, file, want, got, sizeof(got)))
				NOTE_BAD(first, "%s: '%.200s'", file, got);
		}
	}
	for (size_t i = 0; i < nents; i++)
		if (!strcmp(base_name(ents[i].rel), "id"))
			seen_ids++;
	if (seen_ids != want_ids)
		NOTE_BAD(first, "%d id files walked, %d expected", seen_ids, want_ids);
	return report("contents", bad, 0, first);
}

static dev_t root_dev(void)
{
	for (size_t i = 0; i < nents; i++)
		if (!ents[i].rel[0])
			return ents[i].dev;
	return 0;
}

static int check_dev_per_mount(int as_note)
{
	int bad = 0;
	char first[1500] = "";
	for (size_t i = 0; i < nents; i++) {
		int f = fs_of(ents[i].rel);
		if (f >= 0 && !strcmp(ents[i].rel, fs[f].path)) {
			fs[f].found = 1;
			fs[f].dev = ents[i].dev;
		}
	}
	for (int f = 0; f < nfs; f++)
		if (!fs[f].found)
			NOTE_BAD(first, "mount path %s not walked", fs[f].path);
	dev_t rd = root_dev();
	for (size_t i = 0; i < nents; i++) {
		int f = fs_of(ents[i].rel);
		dev_t want = f < 0 ? rd : fs[f].dev;
		if (ents[i].dev != want)
			NOTE_BAD(first, "%s: dev %u:%u, its mount has %u:%u", ents[i].rel,
				 major(ents[i].dev), minor(ents[i].dev), major(want), minor(want));
	}
	return report("st-dev-per-mount", bad, as_note, first);
}

/* Counts mounts at and below root; announced: ROOT and each mount path once. */
static int check_mounts(const char *root, int expect_off)
{
	int bad = 0, root_seen = 0, others = 0;
	char first[1500] = "", line[4096];
	size_t rl = strlen(root);
	FILE *f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return report(expect_off ? "no-submounts" : "mounts-once", 1, 0, "no /proc/self/mountinfo");
	while (fgets(line, sizeof(line), f)) {
		char mp[2048];
		if (sscanf(line, "%*s %*s %*s %*s %2047s", mp) != 1)
			continue;
		if (strncmp(mp, root, rl) || (mp[rl] != '\0' && mp[rl] != '/'))
			continue;
		if (mp[rl] == '\0') {
			root_seen++;
			continue;
		}
		others++;
		int i = fs_of(mp + rl + 1);
		if (i < 0 || strcmp(fs[i].path, mp + rl + 1))
			NOTE_BAD(first, "unexpected mount %s", mp);
		else
			fs[i].mounted++;
	}
	fclose(f);
	if (root_seen != 1)
		NOTE_BAD(first, "%s mounted %d times", root, root_seen);
	if (expect_off) {
		if (others)
			NOTE_BAD(first, "%d submounts, none expected", others);
		return report("no-submounts", bad, 0, first);
	}
	for (int i = 0; i < nfs; i++)
		if (fs[i].mounted != 1)
			NOTE_BAD(first, "%s mounted %d times", fs[i].path, fs[i].mounted);
	printf("NOTE %s: %d submounts in the guest\n", label, others);
	return report("mounts-once", bad, 0, first);
}

/* Shared st_dev between ROOT and the mounts: the count of such pairs. */
static int shared_devs(char *first, size_t sz)
{
	int shared = 0;
	dev_t rd = root_dev();
	for (int i = 0; i < nfs; i++) {
		if (fs[i].dev == rd && shared++ == 0)
			snprintf(first, sz, "%s and the root: %u:%u", fs[i].path, major(rd), minor(rd));
		for (int j = i + 1; j < nfs; j++)
			if (fs[i].dev == fs[j].dev && shared++ == 0)
				snprintf(first, sz, "%s and %s: %u:%u", fs[i].path, fs[j].path,
					 major(fs[i].dev), minor(fs[i].dev));
	}
	return shared;
}

static int by_dev_ino(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return strcmp(x->rel, y->rel);
}

static int check_ino_unique(int as_note)
{
	int bad = 0;
	char first[2500] = "";
	qsort(ents, nents, sizeof(*ents), by_dev_ino);
	for (size_t i = 1; i < nents; i++)
		if (ents[i].dev == ents[i - 1].dev && ents[i].ino == ents[i - 1].ino)
			NOTE_BAD(first, "'%s' and '%s': %u:%u ino %llu", ents[i - 1].rel, ents[i].rel,
				 major(ents[i].dev), minor(ents[i].dev), (unsigned long long)ents[i].ino);
	return report("ino-unique", bad, as_note, first);
}

int main(int argc, char **argv)
{
	int expect_off = 0, opt;
	while ((opt = getopt(argc, argv, "xl:")) != -1) {
		if (opt == 'x')
			expect_off = 1;
		else if (opt == 'l')
			label = optarg;
		else
			vt_usage("vt-submounts [-x] [-l LABEL] ROOT");
	}
	if (optind != argc - 1)
		vt_usage("vt-submounts [-x] [-l LABEL] ROOT");
	const char *root = argv[optind];
	root_len = strlen(root);
	read_manifest(root);

	/* lstat does not trigger an automount: until a walk has opened it, a
	 * submount's mount point shows the parent's attributes.  The first walk
	 * (opendir on every folder) mounts them all, the second one looks. */
	int bad = 0;
	if (nftw(root, skip, 64, FTW_PHYS) != 0)
		bad += report("walk", 1, 0, strerror(errno));
	else if (nftw(root, visit, 64, FTW_PHYS) != 0)
		bad += report("walk", 1, 0, strerror(errno));
	else
		printf("PASS %s-walk\nNOTE %s: %zu entries walked, %d mounts in the manifest\n", label,
		       label, nents, nfs);
	bad += check_hidden();
	bad += check_contents(root);
	bad += check_dev_per_mount(expect_off);
	bad += check_mounts(root, expect_off);
	char first[2200] = "";
	int shared = shared_devs(first, sizeof(first));
	if (expect_off)
		printf(shared ? "PASS %s-st-dev-shared: %d pairs, first: %s\n"
			      : "FAIL %s-st-dev-shared: %d pairs (the checker found no shared st_dev)%s\n",
		       label, shared, first);
	else
		bad += report("st-dev-distinct", shared, 0, first);
	bad += check_ino_unique(expect_off);
	return bad || (expect_off && !shared);
}
