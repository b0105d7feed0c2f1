/* FOPEN_NOFLUSH: the guest skips FLUSH on close only where FLUSH would do
 * nothing on the host (a filesystem without a flush method, no POSIX locks
 * kept on the host, no writeback cache), on OPEN and CREATE alike. */
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "check.h"
#include "fs/passthrough.h"
#include "fs/pt.h"

static const struct fs_ops *ops = &passthrough_ops;
static const struct fs_ctx root_ctx = { .uid = 0, .gid = 0, .pid = 1 };

static void test_filesystems(void)
{
	static const long noop[] = { EXT4_SUPER_MAGIC, XFS_SUPER_MAGIC, BTRFS_SUPER_MAGIC,
				     TMPFS_MAGIC, RAMFS_MAGIC };
	/* NFS, FUSE, overlayfs, 9p, CIFS, SMB2, ceph, f2fs, unknown. */
	static const long flush[] = { NFS_SUPER_MAGIC, 0x65735546, OVERLAYFS_SUPER_MAGIC,
				      V9FS_MAGIC, 0xff534d42, 0xfe534d42, 0x00c36400,
				      F2FS_SUPER_MAGIC, 0 };
	for (size_t k = 0; k < sizeof(noop) / sizeof(noop[0]); k++)
		CHECK(pt_close_is_noop_fs(noop[k]));
	for (size_t k = 0; k < sizeof(flush) / sizeof(flush[0]); k++)
		CHECK(!pt_close_is_noop_fs(flush[k]));
}

/* Create then open "f" in a share on a fresh tmpfs, the session agreeing
 * conn; both handles carry want. */
static void check(struct fs_conn conn, enum cache_mode cache, uint32_t want)
{
	char dir[] = "/tmp/test_fs_nf.XXXXXX";
	CHECK(mkdtemp(dir));
	CHECK(mount("tmpfs", dir, "tmpfs", 0, "size=1m") == 0);
	struct passthrough_options o = { .root = dir, .cache = cache, .writeback = conn.writeback };
	char err[256];
	struct pt *pt = passthrough_new(&o, err, sizeof(err));
	CHECK(pt);
	EQ(ops->init(pt, &conn), 0);

	struct fs_create cr = { .mode = S_IFREG | 0644, .flags = O_WRONLY };
	struct fs_entry e;
	struct fs_open c, op;
	EQ(ops->create(pt, &root_ctx, FS_ROOT_ID, "f", &cr, &e, &c), 0);
	EQ(c.open_flags, want);
	EQ(ops->open(pt, &root_ctx, e.nodeid, O_RDONLY, &op), 0);
	EQ(op.open_flags, want);
	/* FLUSH itself still answers (an older guest ignores the bit). */
	EQ(ops->flush(pt, &root_ctx, e.nodeid, c.fh, 1), 0);
	EQ(ops->release(pt, &root_ctx, e.nodeid, c.fh, 0, 0, false), 0);
	EQ(ops->release(pt, &root_ctx, e.nodeid, op.fh, 0, 0, false), 0);
	EQ(ops->opendir(pt, &root_ctx, FS_ROOT_ID, 0, &c), 0);
	EQ(c.open_flags & FOPEN_NOFLUSH, 0); /* directories get no FLUSH */
	EQ(ops->releasedir(pt, &root_ctx, FS_ROOT_ID, c.fh), 0);
	passthrough_free(pt);
	CHECK(umount(dir) == 0);
	CHECK(rmdir(dir) == 0);
}

int main(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		perror("test_fs_noflush: private mount namespace");
		return 1;
	}
	test_filesystems();
	check((struct fs_conn){ .max_write = 1 << 20 }, CACHE_AUTO, FOPEN_NOFLUSH);
	check((struct fs_conn){ .max_write = 1 << 20 }, CACHE_NEVER, FOPEN_NOFLUSH | FOPEN_DIRECT_IO);
	check((struct fs_conn){ .max_write = 1 << 20 }, CACHE_ALWAYS, FOPEN_NOFLUSH | FOPEN_KEEP_CACHE);
	/* POSIX locks on the host: FLUSH carries the owner whose locks go. */
	check((struct fs_conn){ .posix_locks = true, .max_write = 1 << 20 }, CACHE_AUTO, 0);
	/* The writeback cache: the guest flushes anyway, the bit is moot. */
	check((struct fs_conn){ .writeback = true, .max_write = 1 << 20 }, CACHE_AUTO, 0);
	printf("test_fs_noflush: ok\n");
	return 0;
}
