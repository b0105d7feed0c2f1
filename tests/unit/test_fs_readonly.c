/* --readonly: every modifying member answers EROFS without reaching the
 * inner filesystem; reading members are the inner ones. */
#include "fs/readonly.h"

#include <errno.h>
#include <stdio.h>

static int inner_calls;

static int inner_open(void *fs, const struct fs_ctx *c, uint64_t n, int flags, struct fs_open *o)
{
	inner_calls++;
	return 0;
}

static int inner_access(void *fs, const struct fs_ctx *c, uint64_t n, int mask)
{
	inner_calls++;
	return 0;
}

static int inner_remove(void *fs, const struct fs_ctx *c, uint64_t p, const char *name)
{
	inner_calls++;
	return 0;
}

static int inner_lookup(void *fs, const struct fs_ctx *c, uint64_t p, const char *name,
			struct fs_entry *e)
{
	inner_calls++;
	return 0;
}

static int failures;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); failures++; } } while (0)

int main(void)
{
	const struct fs_ops inner = {
		.open = inner_open, .access = inner_access, .unlink = inner_remove,
		.rmdir = inner_remove, .lookup = inner_lookup,
	};
	const struct fs_ops *ro = readonly_ops(&inner);
	struct fs_ctx c = { 0 };
	struct fs_open o;
	struct fs_entry e;

	CHECK(ro->lookup == inner.lookup);
	CHECK(ro->open(NULL, &c, 2, O_RDONLY, &o) == 0 && inner_calls == 1);
	CHECK(ro->open(NULL, &c, 2, O_WRONLY, &o) == -EROFS);
	CHECK(ro->open(NULL, &c, 2, O_RDWR, &o) == -EROFS);
	CHECK(ro->open(NULL, &c, 2, O_RDONLY | O_TRUNC, &o) == -EROFS);
	CHECK(ro->access(NULL, &c, 2, W_OK) == -EROFS);
	CHECK(ro->access(NULL, &c, 2, R_OK) == 0 && inner_calls == 2);
	CHECK(ro->unlink(NULL, &c, 1, "x") == -EROFS);
	CHECK(ro->rmdir(NULL, &c, 1, "x") == -EROFS);
	CHECK(ro->mkdir(NULL, &c, 1, "x", NULL, &e) == -EROFS);
	CHECK(ro->write(NULL, &c, 2, 0, 0, NULL, 0, false, NULL) == -EROFS);
	CHECK(ro->setxattr(NULL, &c, 2, "user.x", "", 0, 0) == -EROFS);
	CHECK(ro->rename(NULL, &c, 1, "a", 1, "b", 0) == -EROFS);
	CHECK(inner_calls == 2);
	return failures != 0;
}
