/* Submount detection: a tmpfs and a bind mount inside the shared directory
 * (in a private mount namespace, so nothing leaks to the host), and the
 * FUSE_ATTR_SUBMOUNT flag on entry replies only when announced and agreed. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#include "fs/passthrough.h"
#include "fs/pt.h"

static const struct fs_ops *ops = &passthrough_ops;
static const struct fs_ctx ctx = { .uid = 0 };
static char dir[64];

static void path(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s/%s", dir, rel);
}

struct sink {
	struct fs_dir_sink s;
	uint32_t sub_flags, plain_flags;
	uint64_t ids[16];
	unsigned n;
};

static int add(struct fs_dir_sink *s, const struct fs_dirent *d, const struct fs_entry *e)
{
	struct sink *k = (struct sink *)s;
	if (!strcmp(d->name, "tmp"))
		k->sub_flags = e->attr_flags;
	if (!strcmp(d->name, "plain"))
		k->plain_flags = e->attr_flags;
	if (e->nodeid && k->n < 16)
		k->ids[k->n++] = e->nodeid;
	return 0;
}

static void check(bool announce, bool agreed)
{
	struct passthrough_options o = { .root = dir, .cache = CACHE_AUTO,
					 .announce_submounts = announce };
	char err[256];
	void *fs = passthrough_new(&o, err, sizeof(err));
	CHECK(fs);
	struct fs_conn conn = { .submounts = agreed };
	EQ(ops->init(fs, &conn), 0);
	EQ(conn.submounts, announce && agreed);
	uint32_t want = announce && agreed ? FUSE_ATTR_SUBMOUNT : 0;

	struct fs_entry e;
	EQ(ops->lookup(fs, &ctx, FS_ROOT_ID, "tmp", &e), 0);
	EQ(e.attr_flags, want);
	uint64_t tmp = e.nodeid;
	EQ(ops->lookup(fs, &ctx, FS_ROOT_ID, "plain", &e), 0);
	EQ(e.attr_flags, 0);
	uint64_t plain = e.nodeid;
	/* Same st_dev as its parent, another mount: still a submount. */
	EQ(ops->lookup(fs, &ctx, plain, "bind", &e), 0);
	EQ(e.attr_flags, want);
	uint64_t bind = e.nodeid;
	/* Inside the tmpfs: no longer crossing anything. */
	struct fs_create cr = { .mode = 0755 };
	EQ(ops->mkdir(fs, &ctx, tmp, "inner", &cr, &e), 0);
	EQ(e.attr_flags, 0);
	ops->forget(fs, e.nodeid, 1);
	EQ(ops->rmdir(fs, &ctx, tmp, "inner"), 0);
	/* ".." of the submount root is the shared root's mount: not flagged. */
	EQ(ops->lookup(fs, &ctx, tmp, "..", &e), 0);
	EQ(e.attr_flags, 0);
	ops->forget(fs, e.nodeid, 1);
	/* The bind-mounted dir and the original are different nodes. */
	EQ(ops->lookup(fs, &ctx, FS_ROOT_ID, "bindsrc", &e), 0);
	CHECK(e.nodeid != bind);
	ops->forget(fs, e.nodeid, 1);

	/* READDIRPLUS */
	struct fs_open od;
	EQ(ops->opendir(fs, &ctx, FS_ROOT_ID, 0, &od), 0);
	struct sink k = { .s.add = add };
	EQ(ops->readdir(fs, &ctx, FS_ROOT_ID, od.fh, 0, true, &k.s), 0);
	EQ(k.sub_flags, want);
	EQ(k.plain_flags, 0);
	for (unsigned i = 0; i < k.n; i++)
		ops->forget(fs, k.ids[i], 1);
	EQ(ops->releasedir(fs, &ctx, FS_ROOT_ID, od.fh), 0);

	/* SYNCFS reaches both filesystems (one sync per (st_dev, mount)). */
	size_t nm;
	struct inode **all = inode_table_one_per_mount(&((struct pt *)fs)->inodes, &nm);
	CHECK(all && nm == 3); /* root, tmpfs, bind mount */
	for (size_t i = 0; i < nm; i++)
		inode_table_put(&((struct pt *)fs)->inodes, all[i]);
	free(all);
	EQ(ops->syncfs(fs, &ctx, FS_ROOT_ID), 0);

	ops->forget(fs, bind, 1);
	ops->forget(fs, plain, 1);
	ops->forget(fs, tmp, 1);
	passthrough_free(fs);
}

int main(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		perror("test_fs_submounts: private mount namespace");
		return 1;
	}
	strcpy(dir, "/tmp/test_fs_sub.XXXXXX");
	CHECK(mkdtemp(dir));
	char p[128], q[128];
	path(p, sizeof(p), "tmp");
	CHECK(mkdir(p, 0755) == 0);
	CHECK(mount("tmpfs", p, "tmpfs", 0, "size=1m") == 0);
	path(p, sizeof(p), "plain");
	CHECK(mkdir(p, 0755) == 0);
	path(p, sizeof(p), "plain/bind");
	CHECK(mkdir(p, 0755) == 0);
	path(q, sizeof(q), "bindsrc");
	CHECK(mkdir(q, 0755) == 0);
	CHECK(mount(q, p, NULL, MS_BIND, NULL) == 0);

	check(false, false);
	check(false, true);
	check(true, false);
	check(true, true);

	CHECK(umount(p) == 0);
	path(p, sizeof(p), "tmp");
	CHECK(umount(p) == 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	printf("test_fs_submounts: ok\n");
	return 0;
}
