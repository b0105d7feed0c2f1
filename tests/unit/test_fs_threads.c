/* Several queue threads on one passthrough: LOOKUP, GETATTR, FORGET, OPEN,
 * READ, SETLK, FLUSH and RELEASE racing on the same names, under ASan (the
 * same lock owners lock and flush the same files from several threads).  A FORGET racing
 * with a request must never free a record in use, and the counts must come
 * out exact. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#include "fs/passthrough.h"
#include "fs/pt.h"

#define THREADS 4
#define ROUNDS 3000

static const struct fs_ops *ops = &passthrough_ops;
static struct pt *pt;

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	struct fs_ctx c = { .uid = 1000, .gid = 1000, .queue = seed };
	for (int i = 0; i < ROUNDS; i++) {
		char name[8];
		snprintf(name, sizeof(name), "f%u", rand_r(&seed) % 4);
		struct fs_entry e;
		if (ops->lookup(pt, &c, FS_ROOT_ID, name, &e) != 0 || !e.nodeid)
			continue;
		struct stat st;
		double to;
		CHECK(ops->getattr(pt, &c, e.nodeid, FS_NO_FH, &st, &to) == 0);
		struct fs_open o;
		if (rand_r(&seed) % 2 && ops->open(pt, &c, e.nodeid, O_RDONLY, &o) == 0) {
			char buf[16];
			struct iovec v = { buf, sizeof(buf) };
			size_t done;
			CHECK(ops->read(pt, &c, e.nodeid, o.fh, 0, sizeof(buf), &v, 1, &done) == 0);
			CHECK(done == 5);
			uint64_t owner = rand_r(&seed) % 3 + 1;
			struct flock lk = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_len = 2 };
			EQ(ops->setlk(pt, &c, e.nodeid, o.fh, owner, &lk, false, false), 0);
			CHECK(ops->flush(pt, &c, e.nodeid, o.fh, owner) == 0);
			CHECK(ops->release(pt, &c, e.nodeid, o.fh, 0, 0, false) == 0);
		}
		/* Hostile extra forgets of ids others may hold are clamped;
		 * here each thread forgets exactly what it looked up. */
		ops->forget(pt, e.nodeid, 1);
	}
	return NULL;
}

/* One lock owner locking a file on one queue while its FLUSHes (closes of
 * other descriptors of the file) drop its description on another: every
 * lock must be taken, however the two interleave (a lock lost to a close
 * is the guest's own doing; EAGAIN would say another process holds it). */
#define OWNER_RACE_ROUNDS 20000
static uint64_t race_node, race_fh;

static void *race_locker(void *arg)
{
	(void)arg;
	struct fs_ctx c = { .uid = 1000, .gid = 1000, .queue = 1 };
	struct flock lk = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_len = 2 };
	for (int i = 0; i < OWNER_RACE_ROUNDS; i++)
		EQ(ops->setlk(pt, &c, race_node, race_fh, 7, &lk, false, false), 0);
	return NULL;
}

static void *race_flusher(void *arg)
{
	(void)arg;
	struct fs_ctx c = { .uid = 1000, .gid = 1000, .queue = 2 };
	for (int i = 0; i < OWNER_RACE_ROUNDS; i++)
		EQ(ops->flush(pt, &c, race_node, race_fh, 7), 0);
	return NULL;
}

static void owner_race(void)
{
	struct fs_ctx c = { .uid = 1000, .gid = 1000 };
	struct fs_entry e;
	EQ(ops->lookup(pt, &c, FS_ROOT_ID, "f0", &e), 0);
	struct fs_open o;
	EQ(ops->open(pt, &c, e.nodeid, O_RDONLY, &o), 0);
	race_node = e.nodeid;
	race_fh = o.fh;
	pthread_t a, b;
	CHECK(pthread_create(&a, NULL, race_locker, NULL) == 0);
	CHECK(pthread_create(&b, NULL, race_flusher, NULL) == 0);
	CHECK(pthread_join(a, NULL) == 0 && pthread_join(b, NULL) == 0);
	EQ(ops->flush(pt, &c, e.nodeid, o.fh, 7), 0);
	EQ(ops->release(pt, &c, e.nodeid, o.fh, 0, 0, false), 0);
	ops->forget(pt, e.nodeid, 1);
}

int main(void)
{
	char dir[] = "/tmp/test_fs_thr.XXXXXX";
	CHECK(mkdtemp(dir));
	for (int i = 0; i < 4; i++) {
		char p[64];
		snprintf(p, sizeof(p), "%s/f%d", dir, i);
		FILE *f = fopen(p, "w");
		CHECK(f && fputs("hello", f) >= 0 && fclose(f) == 0);
		CHECK(chmod(p, 0644) == 0);
	}
	struct passthrough_options o = { .root = dir, .cache = CACHE_NEVER, .switch_creds = true };
	char err[256];
	pt = passthrough_new(&o, err, sizeof(err));
	CHECK(pt);
	struct fs_conn conn = { .posix_locks = true };
	CHECK(ops->init(pt, &conn) == 0);
	pthread_t t[THREADS];
	for (uintptr_t i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)(i + 1)) == 0);
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	owner_race();
	CHECK(inode_table_count(&pt->inodes) == 1);
	CHECK(handle_count(&pt->handles) == 0); /* lock owners' too */
	CHECK(lock_owners_count(&pt->locks) == 0);
	CHECK(geteuid() == 0);
	passthrough_free(pt);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	printf("test_fs_threads: ok\n");
	return 0;
}
