/* The inode and handle tables alone: lookup counts, refs, nodeid reuse,
 * forged handles. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#include "fs/fs_ops.h"
#include "fs/handles.h"
#include "fs/inode_table.h"
#include "fs/name_hints.h"

static int devnull(void)
{
	int fd = open("/dev/null", O_PATH | O_CLOEXEC);
	CHECK(fd >= 0);
	return fd;
}

static void test_inodes(void)
{
	struct inode_table t;
	CHECK(inode_table_init(&t) == 0);
	struct inode_key rk = { 1, 1, 1 };
	CHECK(inode_table_set_root(&t, &rk, S_IFDIR, devnull()) == 0);

	/* Two lookups of one key: one record, nlookup 2. */
	struct inode_key k = { 42, 7, 3 };
	struct inode *a = inode_table_lookup_insert(&t, &k, S_IFREG, devnull(), NULL, NULL);
	struct inode *b = inode_table_lookup_insert(&t, &k, S_IFREG, devnull(), NULL, NULL);
	CHECK(a && a == b && a->nodeid > FS_ROOT_ID);
	uint64_t id = a->nodeid;
	inode_table_put(&t, a);
	inode_table_put(&t, b);
	CHECK(inode_table_count(&t) == 2);

	/* A request holds it while FORGET drops every lookup: still usable. */
	struct inode *held = inode_table_get(&t, id);
	CHECK(held == a);
	inode_table_forget(&t, id, 1000); /* more than looked up: clamps */
	CHECK(inode_table_count(&t) == 2);
	CHECK(held->key.ino == 42);
	inode_table_put(&t, held);
	CHECK(inode_table_count(&t) == 1);
	CHECK(inode_table_get(&t, id) == NULL);

	/* The same host inode again: a fresh nodeid. */
	struct inode *c = inode_table_lookup_insert(&t, &k, S_IFREG, devnull(), NULL, NULL);
	CHECK(c && c->nodeid > id);
	inode_table_put(&t, c);

	/* The root is never freed; unknown ids are ignored. */
	inode_table_forget(&t, FS_ROOT_ID, 99);
	inode_table_forget(&t, 0, 1);
	inode_table_forget(&t, UINT64_MAX, 1);
	struct inode *r = inode_table_get(&t, FS_ROOT_ID);
	CHECK(r && r->nodeid == FS_ROOT_ID);
	inode_table_put(&t, r);

	/* Many records: the table grows and finds them all. */
	uint64_t ids[2000];
	for (unsigned n = 0; n < 2000; n++) {
		struct inode_key kk = { 1000 + n, 9, n % 3 };
		struct inode *x = inode_table_lookup_insert(&t, &kk, S_IFREG, devnull(), NULL, NULL);
		CHECK(x);
		ids[n] = x->nodeid;
		inode_table_put(&t, x);
	}
	for (unsigned n = 0; n < 2000; n++) {
		struct inode *x = inode_table_get(&t, ids[n]);
		CHECK(x && x->key.ino == 1000 + n);
		inode_table_put(&t, x);
	}
	size_t nm;
	struct inode **pm = inode_table_one_per_mount(&t, &nm);
	CHECK(pm && nm == 5); /* root (1,1), (7,3), (9,0), (9,1), (9,2) */
	for (size_t n = 0; n < nm; n++)
		inode_table_put(&t, pm[n]);
	free(pm);
	inode_table_forget_all(&t);
	CHECK(inode_table_count(&t) == 1);
	inode_table_fini(&t);
}

static void test_handles(void)
{
	struct handle_table t;
	CHECK(handle_table_init(&t) == 0);
	uint64_t fh1, fh2;
	CHECK(handle_new(&t, HANDLE_FILE, devnull(), NULL, NULL, &fh1) == 0);
	CHECK(handle_new(&t, HANDLE_DIR, devnull(), NULL, NULL, &fh2) == 0);
	CHECK(fh1 != fh2);
	/* Wrong kind, forged index, forged generation. */
	CHECK(handle_get(&t, fh1, HANDLE_DIR) == NULL);
	CHECK(handle_get(&t, fh1 + 1000, HANDLE_FILE) == NULL);
	CHECK(handle_get(&t, fh1 ^ (1ULL << 40), HANDLE_FILE) == NULL);
	CHECK(handle_get(&t, UINT64_MAX, HANDLE_FILE) == NULL);
	CHECK(handle_get(&t, 0, HANDLE_FILE) == NULL);

	/* Release while a request holds it: the fd stays valid until put. */
	struct handle *h = handle_get(&t, fh1, HANDLE_FILE);
	CHECK(h);
	struct handle *gone = handle_remove(&t, fh1, HANDLE_FILE);
	CHECK(gone == h);
	handle_put(&t, gone);
	CHECK(fcntl(h->fd, F_GETFD) >= 0);
	handle_put(&t, h);
	CHECK(handle_remove(&t, fh1, HANDLE_FILE) == NULL);

	/* A reused slot has a new generation: the old fh stays dead. */
	uint64_t fh3;
	CHECK(handle_new(&t, HANDLE_FILE, devnull(), NULL, NULL, &fh3) == 0);
	CHECK((uint32_t)fh3 == (uint32_t)fh1 && fh3 != fh1);
	CHECK(handle_get(&t, fh1, HANDLE_FILE) == NULL);
	for (int n = 0; n < 300; n++) {
		uint64_t fh;
		CHECK(handle_new(&t, HANDLE_FILE, devnull(), NULL, NULL, &fh) == 0);
	}
	CHECK(handle_count(&t) == 302);
	handle_remove_all(&t);
	CHECK(handle_count(&t) == 0);
	handle_table_fini(&t);
}

/* A big directory's names keep their LOOKUP hints: the hint table grows
 * with the records (the old one, 4096 direct-mapped slots, kept about 6
 * names in 10 of 5,000, each of the other LOOKUPs an open + statx +
 * close). */
static void test_name_hints(void)
{
	enum { N = 5000 };
	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (rl.rlim_cur < N + 64 && rl.rlim_max >= N + 64) {
		rl.rlim_cur = N + 64;
		CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	}
	if (rl.rlim_cur < N + 64) {
		printf("test_name_hints: skipped, RLIMIT_NOFILE below %d\n", N + 64);
		return;
	}
	struct inode_table t;
	CHECK(inode_table_init(&t) == 0);
	inode_table_set_fd_cap(&t, N + 8);
	struct inode_key rk = { 1, 1, 1 };
	CHECK(inode_table_set_root(&t, &rk, S_IFDIR, devnull()) == 0);
	struct inode *root = inode_table_get(&t, FS_ROOT_ID);
	char name[16];
	for (unsigned n = 0; n < N; n++) {
		struct inode_key k = { 100 + n, 9, 1 };
		snprintf(name, sizeof(name), "f%u", n);
		struct inode *x = inode_table_lookup_insert(&t, &k, S_IFREG, devnull(), root, name);
		CHECK(x);
		inode_table_put(&t, x);
	}
	unsigned hits = 0;
	for (unsigned n = 0; n < N; n++) {
		snprintf(name, sizeof(name), "f%u", n);
		hits += inode_table_hint(&t, root, name);
	}
	CHECK(hits >= N * 9 / 10);
	inode_table_put(&t, root);
	inode_table_forget_all(&t);
	inode_table_fini(&t);
}

static bool hinted(const struct name_hints *nh, uint64_t parent, uint64_t h, uint64_t id)
{
	uint64_t ids[NAME_HINT_WAYS];
	size_t n = name_hints_get(nh, parent, h, ids);
	for (size_t k = 0; k < n; k++)
		if (ids[k] == id)
			return true;
	return false;
}

/* The hint sets alone: a name's hint is found again and follows its record,
 * a full set drops its least recent hint, a renewed hint is the most
 * recent, and growing the table keeps every hint. */
static void test_hint_sets(void)
{
	struct name_hints nh;
	CHECK(name_hints_init(&nh) == 0);
	uint64_t h = name_hints_hash("a");
	CHECK(name_hints_hash("a") == h && name_hints_hash("b") != h);
	CHECK(!hinted(&nh, 1, h, 10));
	name_hints_put(&nh, 1, h, 10);
	CHECK(hinted(&nh, 1, h, 10) && !hinted(&nh, 2, h, 10));
	name_hints_put(&nh, 1, h, 11); /* the name now names another record */
	CHECK(hinted(&nh, 1, h, 11) && !hinted(&nh, 1, h, 10));

	/* Four names that share "a"-in-1's set: each one found as the put
	 * that pushed (1, a) out, which is then hinted again. */
	enum { MATES = NAME_HINT_WAYS };
	uint64_t mate[MATES];
	size_t found = 0;
	for (uint64_t p = 2; found < MATES && p < 10000000; p++) {
		name_hints_put(&nh, p, h, p);
		if (!hinted(&nh, 1, h, 11)) {
			mate[found++] = p;
			name_hints_put(&nh, 1, h, 11);
		}
	}
	CHECK(found == MATES);
	name_hints_fini(&nh);

	CHECK(name_hints_init(&nh) == 0);
	name_hints_put(&nh, 1, h, 11);
	for (int k = 0; k < MATES - 1; k++)
		name_hints_put(&nh, mate[k], h, mate[k]);
	CHECK(hinted(&nh, 1, h, 11));
	name_hints_put(&nh, 1, h, 11); /* renewed: now the most recent */
	name_hints_put(&nh, mate[MATES - 1], h, mate[MATES - 1]);
	CHECK(hinted(&nh, 1, h, 11) && !hinted(&nh, mate[0], h, mate[0]));
	for (int k = 1; k < MATES; k++)
		CHECK(hinted(&nh, mate[k], h, mate[k]));

	/* Growing spreads the set; nothing is lost. */
	name_hints_reserve(&nh, 16 * NAME_HINTS_MIN);
	CHECK(nh.n == 16 * NAME_HINTS_MIN);
	CHECK(hinted(&nh, 1, h, 11));
	for (int k = 1; k < MATES; k++)
		CHECK(hinted(&nh, mate[k], h, mate[k]));
	name_hints_reserve(&nh, 1); /* never shrinks */
	CHECK(nh.n == 16 * NAME_HINTS_MIN);
	name_hints_fini(&nh);
}

/* An fd on a filesystem that makes no file handles (procfs): its records
 * have none to compare. */
static int nohandle(void)
{
	int fd = open("/proc/version", O_PATH | O_CLOEXEC);
	CHECK(fd >= 0);
	return fd;
}

/* A record without an fd and without a file handle, whose inode number the
 * host gave to a file of another type: the type alone shows the reuse.  The
 * old record must not take the new file's fd (an OPEN of a "regular file"
 * that is really a FIFO would block its queue in open(2) for good). */
static void test_reuse_other_type(void)
{
	struct inode_table t;
	CHECK(inode_table_init(&t) == 0);
	struct inode_key rk = { 1, 1, 1 };
	CHECK(inode_table_set_root(&t, &rk, S_IFDIR, devnull()) == 0);
	struct inode *root = inode_table_get(&t, FS_ROOT_ID);
	struct inode_key k = { 42, 7, 3 };
	struct inode *a = inode_table_lookup_insert(&t, &k, S_IFREG, nohandle(), root, "a");
	CHECK(a && a->fh_len == 0);
	inode_table_put(&t, a);
	inode_table_set_fd_cap(&t, 1); /* evicts a's fd */
	CHECK(a->fd_ < 0);
	inode_table_set_fd_cap(&t, 100);
	struct inode *x = inode_table_lookup_insert(&t, &k, S_IFIFO, nohandle(), root, "a");
	CHECK(x && x != a && x->type == S_IFIFO);
	CHECK(a->replaced && a->type == S_IFREG && a->fd_ < 0);
	inode_table_put(&t, x);
	inode_table_put(&t, root);
	inode_table_fini(&t);
}

int main(void)
{
	test_inodes();
	test_name_hints();
	test_hint_sets();
	test_handles();
	test_reuse_other_type();
	printf("test_fs_tables: ok\n");
	return 0;
}
