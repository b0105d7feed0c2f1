/* --security-label in the passthrough filesystem: a new file, directory,
 * node or symlink carries the label the guest sent as its security.* xattr
 * (renamed by --xattrmap); when the label cannot be set the new entry does
 * not stay behind.  Runs as root (setting security.* needs CAP_SYS_ADMIN
 * without an LSM owning the name). */
#include <errno.h>
#include <fcntl.h>
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
#include "log/log.h"

static const struct fs_ops *ops = &passthrough_ops;
static char dir[64];

static struct pt *new_pt(const struct xattrmap *map, bool label)
{
	struct passthrough_options o = {
		.root = dir, .cache = CACHE_AUTO, .xattr = false, .switch_creds = true,
		.security_label = label, .xattrmap = map,
	};
	char err[256];
	struct pt *p = passthrough_new(&o, err, sizeof(err));
	CHECK(p);
	struct fs_conn conn = { .security_ctx = true, .max_write = 1 << 20 };
	EQ(ops->init(p, &conn), 0);
	CHECK(conn.security_ctx == label);
	return p;
}

/* The host's value of xattr name on dir/file (not following a symlink). */
static const char *host_label(const char *file, const char *name)
{
	static char v[256];
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	ssize_t n = lgetxattr(p, name, v, sizeof(v) - 1);
	if (n < 0)
		return NULL;
	v[n] = 0;
	return v;
}

static bool exists(const char *file)
{
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return lstat(p, &st) == 0;
}

static void make_all(struct pt *p, const struct fs_ctx *c, int want)
{
	struct fs_entry e;
	struct fs_open o = { 0 };
	struct fs_create reg = { .mode = S_IFREG | 0644, .flags = O_RDWR };
	struct fs_create d = { .mode = S_IFDIR | 0755 };
	struct fs_create fifo = { .mode = S_IFIFO | 0600 };
	EQ(ops->create(p, c, FS_ROOT_ID, "file", &reg, &e, &o), want);
	if (want == 0)
		EQ(ops->release(p, c, e.nodeid, o.fh, O_RDWR, 0, false), 0);
	EQ(ops->mkdir(p, c, FS_ROOT_ID, "dir", &d, &e), want);
	EQ(ops->mknod(p, c, FS_ROOT_ID, "fifo", &fifo, &e), want);
	EQ(ops->symlink(p, c, FS_ROOT_ID, "link", "file", &e), want);
}

static void fresh_dir(void)
{
	strcpy(dir, "/tmp/test_fs_labels.XXXXXX");
	CHECK(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	log_setup(LOG_LVL_ERROR, 0);
	static const char label[] = "system_u:object_r:virtiofs_t:s0";
	const struct fs_secctx sc = { .name = "security.selinux", .value = label,
				      .size = sizeof(label) };
	const struct fs_ctx c = { .uid = 0, .gid = 0, .pid = 1, .secctx = &sc };

	/* Labelled as sent (the NUL SELinux counts is kept). */
	fresh_dir();
	struct pt *p = new_pt(NULL, true);
	make_all(p, &c, 0);
	const char *files[] = { "file", "dir", "fifo", "link" };
	for (int i = 0; i < 4; i++) {
		const char *v = host_label(files[i], "security.selinux");
		CHECK(v && !strcmp(v, label));
	}
	/* A CREATE that opens an existing file leaves its label alone. */
	const struct fs_secctx other = { .name = "security.selinux", .value = "x", .size = 2 };
	const struct fs_ctx c2 = { .secctx = &other };
	struct fs_entry e;
	struct fs_open o = { 0 };
	struct fs_create reg = { .mode = S_IFREG | 0644, .flags = O_RDWR };
	EQ(ops->create(p, &c2, FS_ROOT_ID, "file", &reg, &e, &o), 0);
	CHECK(!strcmp(host_label("file", "security.selinux"), label));
	/* O_TMPFILE: the unnamed file is labelled (seen once linked in). */
	EQ(ops->tmpfile(p, &c, FS_ROOT_ID, &reg, &e, &o), 0);
	struct fs_entry linked;
	EQ(ops->link(p, &c, e.nodeid, FS_ROOT_ID, "tmp", &linked), 0);
	const char *tl = host_label("tmp", "security.selinux");
	CHECK(tl && !strcmp(tl, label));
	passthrough_free(p);
	remove_dir();

	/* --xattrmap renames it: the host keeps it under user.virtiofs. (user.*
	 * exists on regular files and directories only: the FIFO and the
	 * symlink then cannot be labelled and are not created). */
	fresh_dir();
	char err[256];
	struct xattrmap *m = xattrmap_parse(":prefix:all::user.virtiofs.:", err, sizeof(err));
	CHECK(m);
	p = new_pt(m, true);
	struct fs_create d = { .mode = S_IFDIR | 0755 };
	EQ(ops->mkdir(p, &c, FS_ROOT_ID, "dir", &d, &e), 0);
	CHECK(!strcmp(host_label("dir", "user.virtiofs.security.selinux"), label));
	CHECK(!host_label("dir", "security.selinux"));
	struct fs_create fifo = { .mode = S_IFIFO | 0600 };
	EQ(ops->mknod(p, &c, FS_ROOT_ID, "fifo", &fifo, &e), -EPERM);
	CHECK(!exists("fifo"));
	passthrough_free(p);
	xattrmap_free(m);
	remove_dir();

	/* A map that refuses the name: nothing is created. */
	fresh_dir();
	m = xattrmap_parse(":ok:all:user.:::bad:all:::", err, sizeof(err));
	CHECK(m);
	p = new_pt(m, true);
	make_all(p, &c, -EPERM);
	for (int i = 0; i < 4; i++)
		CHECK(!exists(files[i]));
	EQ(ops->tmpfile(p, &c, FS_ROOT_ID, &reg, &e, &o), -EPERM);
	passthrough_free(p);
	xattrmap_free(m);
	remove_dir();

	/* Without --security-label the filesystem declines the flag. */
	fresh_dir();
	p = new_pt(NULL, false);
	passthrough_free(p);
	remove_dir();
	printf("test_fs_labels: ok\n");
	return 0;
}
