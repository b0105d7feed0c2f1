/* The passthrough filesystem on a fresh temporary directory, as root:
 * credentials (per-thread uid/gid, umask, POSIX ACL default masks) and
 * xattrs (files, directories, symlinks through /proc). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs_fixture.h"

static const struct fs_ctx user_ctx = { .uid = 1000, .gid = 1000, .pid = 2 };

static uint64_t create(uint64_t parent, const char *name, mode_t mode, uint64_t *fh)
{
	struct fs_create cr = { .mode = S_IFREG | mode, .umask = 022, .flags = O_RDWR };
	struct fs_entry e;
	struct fs_open o;
	EQ(ops->create(pt, &root_ctx, parent, name, &cr, &e, &o), 0);
	CHECK(e.nodeid > FS_ROOT_ID && S_ISREG(e.attr.st_mode));
	*fh = o.fh;
	return e.nodeid;
}

static void test_xattr(void)
{
	uint64_t fh;
	uint64_t f = create(FS_ROOT_ID, "xf", 0644, &fh);
	EQ(ops->release(pt, &root_ctx, f, fh, 0, 0, false), 0);
	EQ(ops->setxattr(pt, &root_ctx, f, "user.k", "value", 5, 0), 0);
	EQ(ops->setxattr(pt, &root_ctx, f, "user.k", "v", 1, XATTR_CREATE), -EEXIST);
	size_t len;
	char buf[64];
	EQ(ops->getxattr(pt, &root_ctx, f, "user.k", buf, 0, &len), 0);
	EQ(len, 5);
	EQ(ops->getxattr(pt, &root_ctx, f, "user.k", buf, 2, &len), -ERANGE);
	EQ(ops->getxattr(pt, &root_ctx, f, "user.k", buf, sizeof(buf), &len), 0);
	CHECK(len == 5 && !memcmp(buf, "value", 5));
	EQ(ops->listxattr(pt, &root_ctx, f, buf, sizeof(buf), &len), 0);
	CHECK(len >= 7 && memmem(buf, len, "user.k", 7));
	EQ(ops->removexattr(pt, &root_ctx, f, "user.k"), 0);
	EQ(ops->getxattr(pt, &root_ctx, f, "user.k", buf, sizeof(buf), &len), -ENODATA);
	/* POSIX ACLs were not agreed: they cannot be set. */
	EQ(ops->setxattr(pt, &root_ctx, f, "system.posix_acl_access", "x", 1, 0), -EOPNOTSUPP);
	/* Directories and special files (not opened: by the /proc path). */
	EQ(ops->setxattr(pt, &root_ctx, FS_ROOT_ID, "trusted.t", "d", 1, 0), 0);
	EQ(ops->getxattr(pt, &root_ctx, FS_ROOT_ID, "trusted.t", buf, sizeof(buf), &len), 0);
	EQ(len, 1);
	struct fs_entry e;
	EQ(ops->symlink(pt, &root_ctx, FS_ROOT_ID, "xl", "xf", &e), 0);
	EQ(ops->setxattr(pt, &root_ctx, e.nodeid, "trusted.l", "s", 1, 0), 0);
	char hostpath[128];
	snprintf(hostpath, sizeof(hostpath), "%s/xl", dir);
	EQ(lgetxattr(hostpath, "trusted.l", buf, sizeof(buf)), 1);
	snprintf(hostpath, sizeof(hostpath), "%s/xf", dir);
	EQ(getxattr(hostpath, "trusted.l", buf, sizeof(buf)), -1); /* not the target's */
	EQ(ops->getxattr(pt, &root_ctx, e.nodeid, "trusted.l", buf, sizeof(buf), &len), 0);
	EQ(len, 1);
	ops->forget(pt, e.nodeid, 1);
	ops->forget(pt, f, 1);
}

/* An xattr call does not open the file: it works while a host process
 * holds a write lease on it (an open for the call failed with EWOULDBLOCK
 * and sent the holder a break notice), and the host's inotify watchers see
 * no open or close for it. */
static void test_xattr_unopened(void)
{
	uint64_t fh;
	uint64_t f = create(FS_ROOT_ID, "xu", 0644, &fh);
	EQ(ops->release(pt, &root_ctx, f, fh, 0, 0, false), 0);
	char p[128], buf[16];
	size_t len;
	snprintf(p, sizeof(p), "%s/xu", dir);

	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(in >= 0);
	CHECK(inotify_add_watch(in, p, IN_OPEN | IN_CLOSE) >= 0);
	EQ(ops->setxattr(pt, &root_ctx, f, "user.u", "1", 1, 0), 0);
	EQ(ops->getxattr(pt, &root_ctx, f, "security.capability", NULL, 0, &len), -ENODATA);
	EQ(ops->listxattr(pt, &root_ctx, f, buf, sizeof(buf), &len), 0);
	EQ(read(in, buf, sizeof(buf)), -1);
	EQ(errno, EAGAIN);
	close(in);

	signal(SIGIO, SIG_IGN); /* a break notice, should one come */
	int lfd = open(p, O_RDWR | O_CLOEXEC);
	CHECK(lfd >= 0);
	EQ(fcntl(lfd, F_SETLEASE, F_WRLCK), 0);
	EQ(ops->getxattr(pt, &root_ctx, f, "user.u", buf, sizeof(buf), &len), 0);
	EQ(len, 1);
	EQ(ops->setxattr(pt, &root_ctx, f, "user.u", "2", 1, 0), 0);
	EQ(fcntl(lfd, F_GETLEASE), F_WRLCK); /* not broken */
	close(lfd);
	ops->forget(pt, f, 1);
}

static void test_creds(void)
{
	struct fs_create cr = { .mode = 0777, .umask = 0 };
	struct fs_entry e;
	EQ(ops->mkdir(pt, &root_ctx, FS_ROOT_ID, "pub", &cr, &e), 0);
	uint64_t pub = e.nodeid;
	/* Created as the guest user: owned by it. */
	struct fs_create fcr = { .mode = S_IFREG | 0640, .umask = 0, .flags = O_RDWR };
	struct fs_open o;
	EQ(ops->create(pt, &user_ctx, pub, "mine", &fcr, &e, &o), 0);
	EQ(e.attr.st_uid, 1000);
	EQ(e.attr.st_gid, 1000);
	EQ(ops->release(pt, &user_ctx, e.nodeid, o.fh, 0, 0, false), 0);
	ops->forget(pt, e.nodeid, 1);
	/* A root-only file: the guest user is refused, root is not. */
	uint64_t fh;
	uint64_t secret = create(FS_ROOT_ID, "secret", 0600, &fh);
	EQ(ops->release(pt, &root_ctx, secret, fh, 0, 0, false), 0);
	EQ(ops->access(pt, &user_ctx, secret, R_OK), -EACCES);
	EQ(ops->access(pt, &root_ctx, secret, R_OK | W_OK), 0);
	EQ(ops->open(pt, &user_ctx, secret, O_RDONLY, &o), -EACCES);
	EQ(ops->mkdir(pt, &user_ctx, FS_ROOT_ID, "nope", &cr, &e), -EACCES);
	/* This thread is root again after each call. */
	EQ(geteuid(), 0);
	EQ(getegid(), 0);
	ops->forget(pt, secret, 1);
	ops->forget(pt, pub, 1);
}

/* POSIX ACLs agreed: the guest's umask is the host's per-thread umask, so
 * a parent's default ACL overrides it (FUSE_DONT_MASK semantics). */
static void test_acl_umask(void)
{
	strcpy(dir, "/tmp/test_fs_acl.XXXXXX");
	CHECK(mkdtemp(dir));
	struct passthrough_options opt = { .root = dir, .cache = CACHE_AUTO, .xattr = true,
					   .posix_acl = true };
	char err[256];
	pt = passthrough_new(&opt, err, sizeof(err));
	CHECK(pt);
	struct fs_conn conn = { .posix_acl = true };
	EQ(ops->init(pt, &conn), 0);
	CHECK(conn.posix_acl);
	struct fs_create cr = { .mode = 0777, .umask = 022 };
	struct fs_entry e;
	EQ(ops->mkdir(pt, &root_ctx, FS_ROOT_ID, "acl", &cr, &e), 0);
	EQ(e.attr.st_mode & 0777, 0755);
	uint64_t acl = e.nodeid;
	/* A default ACL granting rwx to owner, group and others. */
	struct { uint32_t version; struct { uint16_t tag, perm; uint32_t id; } ent[3]; } a = {
		2, { { 0x01, 7, UINT32_MAX }, { 0x04, 7, UINT32_MAX }, { 0x20, 7, UINT32_MAX } }
	};
	EQ(ops->setxattr(pt, &root_ctx, acl, "system.posix_acl_default", &a, sizeof(a), 0), 0);
	struct fs_create fcr = { .mode = S_IFREG | 0666, .umask = 022, .flags = O_RDWR };
	struct fs_open o;
	EQ(ops->create(pt, &root_ctx, acl, "f", &fcr, &e, &o), 0);
	EQ(e.attr.st_mode & 0777, 0666);
	EQ(ops->release(pt, &root_ctx, e.nodeid, o.fh, 0, 0, false), 0);
	EQ(ops->create(pt, &root_ctx, FS_ROOT_ID, "g", &fcr, &e, &o), 0);
	EQ(e.attr.st_mode & 0777, 0644);
	EQ(ops->release(pt, &root_ctx, e.nodeid, o.fh, 0, 0, false), 0);
	teardown();
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_fs_access: needs root\n");
		return 1;
	}
	setup(CACHE_AUTO);
	test_xattr();
	test_xattr_unopened();
	test_creds();
	EQ(handle_count(&pt->handles), 0);
	EQ(inode_table_count(&pt->inodes), 1);
	teardown();
	test_acl_umask();
	printf("test_fs_access: ok\n");
	return 0;
}
