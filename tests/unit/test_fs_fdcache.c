/* The inode fd cache: the cap holds, evicted records are found again by
 * name or by file handle, and a name that now leads elsewhere answers
 * ESTALE instead of opening another file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#include "fs/fs_ops.h"
#include "fs/handles.h"
#include "fs/inode_fd.h"
#include "fs/inode_table.h"
#include "fs/submounts.h"

#define NFILES 200
#define CAP 20
#define GROW 300 /* records enough to grow the table's first buckets */

static char dir[] = "/tmp/vt-fdcache-XXXXXX";

static int count_open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	CHECK(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* ".", ".." and the DIR's own fd */
}

static struct inode_key key_of(int fd)
{
	struct stat st;
	uint64_t mnt;
	CHECK(stat_fd(fd, &st, &mnt) == 0);
	struct inode_key k = { st.st_ino, st.st_dev, mnt };
	return k;
}

/* Look name up in parent the way pt_lookup_at does. */
static struct inode *lookup(struct inode_table *t, struct inode *parent, const char *name)
{
	int pfd = inode_get_fd(t, parent);
	CHECK(pfd >= 0);
	int fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	inode_put_fd(t, parent, pfd);
	if (fd < 0)
		return NULL;
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	struct inode_key k = key_of(fd);
	return inode_table_lookup_insert(t, &k, st.st_mode, fd, parent, name);
}

/* The first byte of the file i names, through its (maybe refound) fd. */
static int first_byte(struct inode_table *t, struct inode *i)
{
	int fd = inode_get_fd(t, i);
	if (fd < 0)
		return fd;
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	int rfd = open(p, O_RDONLY | O_CLOEXEC);
	inode_put_fd(t, i, fd);
	CHECK(rfd >= 0);
	char c = 0;
	CHECK(read(rfd, &c, 1) == 1);
	close(rfd);
	return (unsigned char)c;
}

static void make_tree(void)
{
	CHECK(mkdtemp(dir));
	char p[256];
	snprintf(p, sizeof(p), "%s/sub", dir);
	CHECK(mkdir(p, 0755) == 0);
	for (int n = 0; n < NFILES; n++) {
		snprintf(p, sizeof(p), "%s/sub/f%03d", dir, n);
		int fd = open(p, O_CREAT | O_WRONLY, 0644);
		CHECK(fd >= 0);
		char c = (char)('A' + n % 26);
		CHECK(write(fd, &c, 1) == 1);
		close(fd);
	}
}

/* A table rooted at dir; returns the descriptors open before it. */
static int open_table(struct inode_table *t, bool by_handle)
{
	CHECK(inode_table_init(t) == 0);
	t->open_by_handle = by_handle;
	int pre = count_open_fds();
	int rfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(rfd >= 0);
	struct inode_key rk = key_of(rfd);
	CHECK(inode_table_set_root(t, &rk, S_IFDIR, rfd) == 0);
	return pre;
}

static void run(bool by_handle)
{
	struct inode_table t;
	int pre = open_table(&t, by_handle);
	inode_table_set_fd_cap(&t, CAP);

	struct inode *sub = lookup(&t, t.root, "sub");
	CHECK(sub);
	struct inode *f[NFILES];
	char name[32];
	for (int n = 0; n < NFILES; n++) {
		snprintf(name, sizeof(name), "f%03d", n);
		f[n] = lookup(&t, sub, name);
		CHECK(f[n]);
		inode_table_put(&t, f[n]); /* the guest's lookup keeps it */
		/* The cap holds at every step, and the count is exact. */
		EQ(count_open_fds() - pre, inode_table_fds_open(&t));
		CHECK(count_open_fds() - pre <= CAP);
	}
	EQ(inode_table_count(&t), NFILES + 2);
	CHECK(t.evictions >= NFILES - CAP);

	/* Every record is found again, with the right content. */
	for (int n = 0; n < NFILES; n++)
		EQ(first_byte(&t, f[n]), 'A' + n % 26);
	CHECK(count_open_fds() - pre <= CAP);
	if (by_handle)
		CHECK(t.reopens_by_handle > 0);
	else
		CHECK(t.reopens_by_name > 0);

	/* Evict everything, then change the host behind the records' back. */
	inode_table_set_fd_cap(&t, 1);
	char a[256], b[256];
	/* f000 renamed: by handle it is still found; by name it is stale. */
	snprintf(a, sizeof(a), "%s/sub/f000", dir);
	snprintf(b, sizeof(b), "%s/sub/moved", dir);
	CHECK(rename(a, b) == 0);
	/* f001 replaced by another file under its name: never that file. */
	snprintf(a, sizeof(a), "%s/sub/f001", dir);
	CHECK(unlink(a) == 0);
	int nfd = open(a, O_CREAT | O_WRONLY, 0644);
	CHECK(nfd >= 0);
	CHECK(write(nfd, "Z", 1) == 1);
	close(nfd);
	/* f002 deleted. */
	snprintf(a, sizeof(a), "%s/sub/f002", dir);
	CHECK(unlink(a) == 0);

	int r0 = first_byte(&t, f[0]);
	if (by_handle)
		EQ(r0, 'A');
	else
		EQ(r0, -ESTALE);
	int r1 = first_byte(&t, f[1]);
	CHECK(r1 == -ESTALE || r1 == 'B'); /* 'B' only while the old inode lives on */
	CHECK(r1 != 'Z');
	EQ(first_byte(&t, f[2]), -ESTALE);
	EQ(first_byte(&t, f[3]), 'D');

	/* A guest rename moves the record's name: found again by name. */
	snprintf(a, sizeof(a), "%s/sub/f004", dir);
	snprintf(b, sizeof(b), "%s/sub/g004", dir);
	CHECK(rename(a, b) == 0);
	int gfd = open(b, O_PATH | O_CLOEXEC);
	CHECK(gfd >= 0);
	struct inode_key gk = key_of(gfd);
	close(gfd);
	inode_table_moved(&t, &gk, sub, "g004");
	inode_table_set_fd_cap(&t, 1);
	EQ(first_byte(&t, f[4]), 'E');

	/* FORGET releases records, their fds and their parent refs. */
	for (int n = 0; n < NFILES; n++)
		inode_table_forget(&t, f[n]->nodeid, 1);
	EQ(inode_table_count(&t), 2);
	inode_table_forget(&t, sub->nodeid, 1);
	inode_table_put(&t, sub);
	EQ(inode_table_count(&t), 1);
	/* Only the root's fd is left, and its mount's (kept by the root). */
	EQ(inode_table_fds_open(&t), by_handle ? 2 : 1);
	EQ(count_open_fds() - pre, inode_table_fds_open(&t));
	inode_table_fini(&t);
	EQ(count_open_fds(), pre);

	/* Put the tree back for the next run. */
	snprintf(a, sizeof(a), "%s/sub/moved", dir);
	snprintf(b, sizeof(b), "%s/sub/f000", dir);
	CHECK(rename(a, b) == 0);
	snprintf(a, sizeof(a), "%s/sub/g004", dir);
	snprintf(b, sizeof(b), "%s/sub/f004", dir);
	CHECK(rename(a, b) == 0);
	snprintf(a, sizeof(a), "%s/sub/f001", dir);
	CHECK(unlink(a) == 0);
	nfd = open(a, O_CREAT | O_WRONLY, 0644);
	CHECK(nfd >= 0 && write(nfd, "B", 1) == 1);
	close(nfd);
	snprintf(a, sizeof(a), "%s/sub/f002", dir);
	nfd = open(a, O_CREAT | O_WRONLY, 0644);
	CHECK(nfd >= 0 && write(nfd, "C", 1) == 1);
	close(nfd);
}

static void host_file(const char *name, char content)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = open(p, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	CHECK(fd >= 0 && write(fd, &content, 1) == 1);
	close(fd);
}

/* Look name up in parent as if the host gave its file the key k (a
 * filesystem reusing a deleted file's inode number). */
static struct inode *lookup_keyed(struct inode_table *t, struct inode *parent, const char *name,
				  const struct inode_key *k)
{
	int pfd = inode_get_fd(t, parent);
	CHECK(pfd >= 0);
	int fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	inode_put_fd(t, parent, pfd);
	CHECK(fd >= 0);
	return inode_table_lookup_insert(t, k, S_IFREG, fd, parent, name);
}

/* A record whose fd was evicted holds nothing on the host: its file may be
 * deleted there and a new file take its inode number.  A lookup of the new
 * file must not hand the guest the old record (whose handle names the dead
 * file), and the old record must not become the new file. */
static void test_reused_number(bool by_handle)
{
	struct inode_table t;
	int pre = open_table(&t, by_handle);

	host_file("old", 'O');
	struct inode *old = lookup(&t, t.root, "old");
	CHECK(old && old->fh_len > 0);
	inode_table_put(&t, old);
	struct inode_key ok = old->key;
	uint64_t old_id = old->nodeid;

	/* Evicted, then the same file looked up again: the same record,
	 * which takes the new fd (its handle matches). */
	inode_table_set_fd_cap(&t, 1);
	CHECK(lookup(&t, t.root, "old") == old);
	inode_table_put(&t, old);
	EQ(t.replaced, 0);
	EQ(first_byte(&t, old), 'O');

	/* Evicted, deleted on the host; a new file has its number. */
	inode_table_set_fd_cap(&t, 1);
	char p[256];
	snprintf(p, sizeof(p), "%s/old", dir);
	CHECK(unlink(p) == 0);
	host_file("spacer", 'S');
	host_file("new", 'N');
	/* The new record keeps its fd: its key is old's, the number the host
	 * may or may not have given the new file again (the spacer makes sure
	 * it did not), so finding it again after an eviction would rightly
	 * answer ESTALE. */
	inode_table_set_fd_cap(&t, 1024);
	struct inode *nu = lookup_keyed(&t, t.root, "new", &ok);
	CHECK(nu && nu != old);
	inode_table_put(&t, nu);
	CHECK(nu->nodeid != old_id);
	EQ(t.replaced, 1);
	EQ(first_byte(&t, nu), 'N');
	/* The old nodeid is still known to the guest, and only answers ESTALE. */
	struct inode *again = inode_table_get(&t, old_id);
	CHECK(again == old && old->replaced);
	inode_table_put(&t, again);
	inode_table_set_fd_cap(&t, 1);
	EQ(first_byte(&t, old), -ESTALE);
	EQ(inode_table_nodeid_of(&t, &ok), nu->nodeid);

	/* The table grows past its first buckets: the replaced record, which
	 * is in the nodeid chains only, is still found there. */
	inode_table_set_fd_cap(&t, 1024);
	size_t before = inode_table_count(&t), buckets = t.nbuckets;
	uint64_t ids[GROW];
	for (uint64_t n = 0; n < GROW; n++) {
		struct inode_key k = { .ino = ~n, .dev = 0, .mnt_id = 0 };
		struct inode *x = inode_table_lookup_insert(&t, &k, S_IFREG,
							    open("/dev/null", O_PATH | O_CLOEXEC), NULL, NULL);
		CHECK(x);
		ids[n] = x->nodeid;
		inode_table_put(&t, x);
	}
	CHECK(t.nbuckets > buckets);
	again = inode_table_get(&t, old_id);
	CHECK(again == old);
	inode_table_put(&t, again);
	for (uint64_t n = 0; n < GROW; n++)
		inode_table_forget(&t, ids[n], 1);
	EQ(inode_table_count(&t), before);

	/* FORGET frees both; nothing leaks. */
	inode_table_forget(&t, old_id, 2);
	inode_table_forget(&t, nu->nodeid, 1);
	EQ(inode_table_count(&t), 1);
	inode_table_fini(&t);
	EQ(count_open_fds(), pre);
	CHECK(unlink(p) == -1);
	snprintf(p, sizeof(p), "%s/new", dir);
	CHECK(unlink(p) == 0);
}

/* A guest holding more open files than its share gets EMFILE. */
static void test_handle_share(void)
{
	struct handle_table h;
	CHECK(handle_table_init(&h) == 0);
	handle_table_set_max(&h, 3);
	uint64_t fh[4];
	for (int n = 0; n < 3; n++)
		EQ(handle_new(&h, HANDLE_FILE, -1, NULL, NULL, &fh[n]), 0);
	EQ(handle_new(&h, HANDLE_FILE, -1, NULL, NULL, &fh[3]), -EMFILE);
	handle_put(&h, handle_remove(&h, fh[0], HANDLE_FILE));
	EQ(handle_new(&h, HANDLE_FILE, -1, NULL, NULL, &fh[3]), 0);
	handle_table_fini(&h);
}

int main(void)
{
	make_tree();
	run(false);
	int probe = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(probe >= 0);
	int r = inode_fd_probe_handles(probe);
	close(probe);
	test_reused_number(false);
	if (r == 0) {
		run(true);
		test_reused_number(true);
	} else
		printf("note: file handles unavailable here (%s): by-handle run skipped\n",
		       strerror(-r));
	test_handle_share();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	printf("ok\n");
	return 0;
}
