#include "state_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"

void so_init(struct state_out *o)
{
	o->buf = NULL;
	o->len = o->cap = 0;
	o->failed = false;
}

void so_free(struct state_out *o)
{
	free(o->buf);
	so_init(o);
}

static bool so_room(struct state_out *o, size_t n)
{
	if (o->failed)
		return false;
	if (n > STATE_MAX_BYTES || o->len + n > STATE_MAX_BYTES) {
		o->failed = true;
		return false;
	}
	if (o->len + n <= o->cap)
		return true;
	size_t cap = o->cap ? o->cap : 4096;
	while (cap < o->len + n)
		cap *= 2;
	unsigned char *b = realloc(o->buf, cap);
	if (!b) {
		o->failed = true;
		return false;
	}
	o->buf = b;
	o->cap = cap;
	return true;
}

void so_bytes(struct state_out *o, const void *p, size_t n)
{
	if (n && so_room(o, n)) {
		memcpy(o->buf + o->len, p, n);
		o->len += n;
	}
}

static void so_le(struct state_out *o, uint64_t v, unsigned bytes)
{
	unsigned char b[8];
	for (unsigned k = 0; k < bytes; k++)
		b[k] = (unsigned char)(v >> (8 * k));
	so_bytes(o, b, bytes);
}

void so_u8(struct state_out *o, uint8_t v)
{
	so_le(o, v, 1);
}

void so_u32(struct state_out *o, uint32_t v)
{
	so_le(o, v, 4);
}

void so_u64(struct state_out *o, uint64_t v)
{
	so_le(o, v, 8);
}

void so_blob(struct state_out *o, const void *p, uint32_t n)
{
	so_u32(o, n);
	so_bytes(o, p, n);
}

uint64_t state_fnv1a(const unsigned char *p, size_t n)
{
	return hash_fnv1a(HASH_FNV1A_INIT, p, n);
}

void so_checksum(struct state_out *o, size_t from)
{
	if (o->failed || from > o->len)
		return;
	so_u64(o, state_fnv1a(o->buf + from, o->len - from));
}

int so_flush(struct state_out *o, int fd)
{
	if (o->failed)
		return -ENOMEM;
	size_t done = 0;
	while (done < o->len) {
		ssize_t w = write(fd, o->buf + done, o->len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		done += (size_t)w;
	}
	return 0;
}

/* One read past a full buffer tells a state of exactly max bytes (EOF:
 * accepted, as so_* may write it) from a longer one. */
static int slurp_at_cap(int fd)
{
	unsigned char probe;
	for (;;) {
		ssize_t r = read(fd, &probe, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		return r == 0 ? 0 : -EFBIG;
	}
}

int si_slurp_max(int fd, size_t max, unsigned char **bufp, size_t *lenp)
{
	size_t len = 0, cap = max < 64 * 1024 ? max : 64 * 1024;
	unsigned char *buf = malloc(cap ? cap : 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap == max) {
				int r = slurp_at_cap(fd);
				if (r == 0)
					break;
				free(buf);
				return r;
			}
			cap = cap > max / 2 ? max : cap * 2;
			unsigned char *b = realloc(buf, cap);
			if (!b) {
				free(buf);
				return -ENOMEM;
			}
			buf = b;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			return -e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int si_slurp(int fd, unsigned char **bufp, size_t *lenp)
{
	return si_slurp_max(fd, STATE_MAX_BYTES, bufp, lenp);
}

void si_init(struct state_in *in, const unsigned char *buf, size_t len)
{
	in->buf = buf;
	in->len = len;
	in->pos = 0;
	in->bad = false;
}

bool si_bytes(struct state_in *in, void *p, size_t n)
{
	if (in->bad || n > in->len - in->pos) {
		in->bad = true;
		memset(p, 0, n);
		return false;
	}
	memcpy(p, in->buf + in->pos, n);
	in->pos += n;
	return true;
}

static uint64_t si_le(struct state_in *in, unsigned bytes)
{
	unsigned char b[8];
	if (!si_bytes(in, b, bytes))
		return 0;
	uint64_t v = 0;
	for (unsigned k = 0; k < bytes; k++)
		v |= (uint64_t)b[k] << (8 * k);
	return v;
}

uint8_t si_u8(struct state_in *in)
{
	return (uint8_t)si_le(in, 1);
}

uint32_t si_u32(struct state_in *in)
{
	return (uint32_t)si_le(in, 4);
}

uint64_t si_u64(struct state_in *in)
{
	return si_le(in, 8);
}

const unsigned char *si_blob(struct state_in *in, uint32_t max, uint32_t *n)
{
	uint32_t len = si_u32(in);
	if (in->bad || len > max || len > in->len - in->pos) {
		in->bad = true;
		*n = 0;
		return NULL;
	}
	const unsigned char *p = in->buf + in->pos;
	in->pos += len;
	*n = len;
	return p;
}

bool si_checksum(struct state_in *in, size_t from)
{
	if (in->bad || from > in->pos)
		return false;
	uint64_t want = state_fnv1a(in->buf + from, in->pos - from);
	uint64_t got = si_u64(in);
	if (in->bad || got != want) {
		in->bad = true;
		return false;
	}
	return true;
}
