/* The passthrough filesystem on a fresh temporary directory (as root), with
 * xattrs, credential switching, submount announcements and POSIX locks on. */
#ifndef UNIT_FS_FIXTURE_H
#define UNIT_FS_FIXTURE_H

#include <string.h>

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
	struct fs_conn conn = { .submounts = true, .posix_locks = true, .max_write = 1 << 20 };
	EQ(ops->init(pt, &conn), 0);
}

static void teardown(void)
{
	passthrough_free(pt);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

#endif
