/* The passthrough filesystem on a fresh temporary directory (as root), with
 * xattrs, credential switching and submount announcements on. */
#ifndef UNIT_FS_FIXTURE_H
#define UNIT_FS_FIXTURE_H

#include <linux/fuse.h>
#include <string.h>
#include <sys/vfs.h>

#include "check.h"
#include "fs/passthrough.h"
#include "fs/pt.h"

static const struct fs_ops *ops = &passthrough_ops;
static struct pt *pt;
static char dir[64];
static const struct fs_ctx root_ctx = { .uid = 0, .gid = 0, .pid = 1 };

static void setup(enum cache_mode cache)
{
	strcpy(dir, "/tmp/test_fs_pt.XXXXXX");
	CHECK(mkdtemp(dir));
	struct passthrough_options o = {
		.root = dir, .cache = cache, .xattr = true, .switch_creds = true,
		.announce_submounts = true,
	};
	char err[256];
	pt = passthrough_new(&o, err, sizeof(err));
	CHECK(pt);
	struct fs_conn conn = { .submounts = true, .max_write = 1 << 20 };
	EQ(ops->init(pt, &conn), 0);
}

/* FOPEN_NOFLUSH when the fixture's directory is on a filesystem where
 * closing a file does nothing (the file handles it opens get it). */
static uint32_t fixture_noflush(void)
{
	struct statfs sf;
	CHECK(statfs(dir, &sf) == 0);
	return pt_close_is_noop_fs((long)sf.f_type) ? FOPEN_NOFLUSH : 0;
}

static void teardown(void)
{
	passthrough_free(pt);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

#endif
