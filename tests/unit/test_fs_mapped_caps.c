/* --xattrmap renaming security.capability: the host kernel drops the real
 * one when a file is written or truncated, never the renamed one, so the
 * daemon removes it itself on every path that truncates an existing file
 * (CVE-2021-20263): SETATTR of the size, OPEN with O_TRUNC, and CREATE of
 * a name that exists already (no O_EXCL), which opens it with O_TRUNC. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "check.h"
#include "fs/passthrough.h"
#include "fs/pt.h"
#include "fs/xattrmap.h"

static const struct fs_ops *ops = &passthrough_ops;
static const struct fs_ctx ctx = { .uid = 0, .gid = 0, .pid = 1 };
static char dir[64];
static struct pt *pt;

#define HOST_CAPS "user.virtiofs.security.capability"

/* "f" with content and the guest's file capabilities; its nodeid. */
static uint64_t file_with_caps(void)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/f", dir);
	FILE *f = fopen(p, "w");
	CHECK(f);
	fputs("binary", f);
	fclose(f);
	struct fs_entry e;
	EQ(ops->lookup(pt, &ctx, FS_ROOT_ID, "f", &e), 0);
	EQ(ops->setxattr(pt, &ctx, e.nodeid, "security.capability", "caps", 4, 0), 0);
	char v[8];
	EQ(getxattr(p, HOST_CAPS, v, sizeof(v)), 4);
	return e.nodeid;
}

static bool caps_gone(void)
{
	char p[128], v[8];
	snprintf(p, sizeof(p), "%s/f", dir);
	return getxattr(p, HOST_CAPS, v, sizeof(v)) < 0 && errno == ENODATA;
}

int main(void)
{
	strcpy(dir, "/tmp/test_fs_caps.XXXXXX");
	CHECK(mkdtemp(dir));
	char err[256];
	struct xattrmap *m = xattrmap_parse(":map::user.virtiofs.:", err, sizeof(err));
	CHECK(m);
	CHECK(!strcmp(xattrmap_caps_name(m), HOST_CAPS));
	struct passthrough_options o = {
		.root = dir, .cache = CACHE_AUTO, .xattr = true, .xattrmap = m,
	};
	pt = passthrough_new(&o, err, sizeof(err));
	CHECK(pt);
	struct fs_conn conn = { .max_write = 1 << 20 };
	EQ(ops->init(pt, &conn), 0);

	/* SETATTR of the size. */
	uint64_t f = file_with_caps();
	struct fs_setattr sa = { .valid = FATTR_SIZE, .size = 0, .fh = FS_NO_FH };
	struct stat st;
	double t;
	EQ(ops->setattr(pt, &ctx, f, &sa, &st, &t), 0);
	CHECK(caps_gone());

	/* OPEN with O_TRUNC; an open without it keeps them. */
	f = file_with_caps();
	struct fs_open fo;
	EQ(ops->open(pt, &ctx, f, O_RDONLY, &fo), 0);
	EQ(ops->release(pt, &ctx, f, fo.fh, 0, 0, false), 0);
	CHECK(!caps_gone());
	EQ(ops->open(pt, &ctx, f, O_WRONLY | O_TRUNC, &fo), 0);
	EQ(ops->release(pt, &ctx, f, fo.fh, 0, 0, false), 0);
	CHECK(caps_gone());

	/* CREATE of the existing name: without O_TRUNC they stay, with it
	 * they go. */
	f = file_with_caps();
	struct fs_create cr = { .mode = S_IFREG | 0644, .flags = O_WRONLY };
	struct fs_entry e;
	EQ(ops->create(pt, &ctx, FS_ROOT_ID, "f", &cr, &e, &fo), 0);
	EQ(e.nodeid, f);
	EQ(ops->release(pt, &ctx, f, fo.fh, 0, 0, false), 0);
	CHECK(!caps_gone());
	cr.flags = O_WRONLY | O_TRUNC;
	EQ(ops->create(pt, &ctx, FS_ROOT_ID, "f", &cr, &e, &fo), 0);
	EQ(e.nodeid, f);
	EQ(e.attr.st_size, 0);
	EQ(ops->release(pt, &ctx, f, fo.fh, 0, 0, false), 0);
	CHECK(caps_gone());

	passthrough_free(pt);
	xattrmap_free(m);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	CHECK(system(err) == 0);
	printf("test_fs_mapped_caps: ok\n");
	return 0;
}
