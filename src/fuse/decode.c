/* Decoders for the variable parts of requests: names, strings, offsets. */
#include "fuse_internal.h"

#include <errno.h>
#include <string.h>

int fuse_take_string(const unsigned char *p, size_t avail, size_t max, const char **s,
		     size_t *used)
{
	size_t scan = avail < max ? avail : max;
	const unsigned char *nul = memchr(p, '\0', scan);

	if (!nul)
		return avail >= max ? -ENAMETOOLONG : -EINVAL;
	*s = (const char *)p;
	*used = (size_t)(nul - p) + 1;
	return 0;
}

int fuse_take_name(const unsigned char *p, size_t avail, const char **name, size_t *used)
{
	int err = fuse_take_string(p, avail, FUSE_NAME_MAX + 1, name, used);

	if (err)
		return err;
	if (*used == 1 || memchr(p, '/', *used - 1))
		return -EINVAL;
	return 0;
}

int fuse_take_off(uint64_t v, off_t *o)
{
	if (v > (uint64_t)INT64_MAX)
		return -EINVAL;
	*o = (off_t)v;
	return 0;
}

void fuse_arg(const struct fuse_req_ctx *r, size_t off, void *dst, size_t n)
{
	/* The dispatch table checked the opcode's minimum size, which covers
	 * every fixed struct a handler reads; stay safe regardless. */
	if (off > r->arg_len || n > r->arg_len - off) {
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, r->arg + off, n);
}
