#include "idmap.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log/log.h"

/* [from, from + count) -> to + (id - from), or to for every id (squash),
 * or refused (forbid). */
struct range {
	uint64_t from, count;
	uint32_t to;
	bool squash, forbid;
};

struct direction {
	struct range *r;
	size_t n;
};

struct idmap {
	struct direction to_host, to_guest;
};


struct idmap *idmap_new(void)
{
	return calloc(1, sizeof(struct idmap));
}

void idmap_free(struct idmap *m)
{
	if (!m)
		return;
	free(m->to_host.r);
	free(m->to_guest.r);
	free(m);
}

static const struct range *find(const struct direction *d, uint64_t id)
{
	for (size_t i = 0; i < d->n; i++)
		if (id >= d->r[i].from && id - d->r[i].from < d->r[i].count)
			return &d->r[i];
	return NULL;
}

static int add_range(struct direction *d, struct range nr, const char *what, char *err, size_t n)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct range *o = &d->r[i];
		if (nr.from < o->from + o->count && o->from < nr.from + nr.count)
			return errbuf_fail(err, n, "%s range [%llu, %llu) overlaps an earlier entry", what,
				    (unsigned long long)nr.from,
				    (unsigned long long)(nr.from + nr.count));
	}
	struct range *r = realloc(d->r, (d->n + 1) * sizeof(*r));
	if (!r)
		return errbuf_fail(err, n, "out of memory");
	d->r = r;
	d->r[d->n++] = nr;
	return 0;
}

static bool parse_u32(const char *s, size_t len, uint64_t *out)
{
	if (len == 0 || len > 10)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = v;
	return true;
}

/* Split "a S b S c" into at most 3 numbers; returns how many, -1 if bad. */
static int parse_numbers(const char *p, char sep, uint64_t v[3])
{
	int k = 0;
	for (;;) {
		const char *end = strchr(p, sep);
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (k == 3 || !parse_u32(p, len, &v[k]))
			return -1;
		k++;
		if (!end)
			return k;
		p = end + 1;
	}
}

int idmap_add(struct idmap *m, const char *spec, char *err, size_t errlen)
{
	size_t tlen = 0;
	while (isalnum((unsigned char)spec[tlen]) || spec[tlen] == '-' || spec[tlen] == '_')
		tlen++;
	if (!spec[tlen])
		return errbuf_fail(err, errlen, "'%s': expected TYPE:NUMBERS", spec);
	char type[16];
	if (tlen >= sizeof(type))
		return errbuf_fail(err, errlen, "'%s': unknown type", spec);
	for (size_t i = 0; i < tlen; i++)
		type[i] = (char)tolower((unsigned char)spec[i]);
	type[tlen] = '\0';
	uint64_t v[3];
	int nv = parse_numbers(spec + tlen + 1, spec[tlen], v);
	bool forbid = !strcmp(type, "forbid-guest");
	bool squash = !strcmp(type, "squash-guest") || !strcmp(type, "squash-host");
	if (nv != (forbid ? 2 : 3))
		return errbuf_fail(err, errlen, "'%s': expected %s", spec,
			    forbid ? "forbid-guest:GUEST:COUNT" : "TYPE:FROM:TO:COUNT (32-bit numbers)");
	uint64_t count = forbid ? v[1] : v[2];
	if (count == 0 || v[0] + count > (uint64_t)UINT32_MAX + 1 ||
	    (!forbid && !squash && v[1] + count > (uint64_t)UINT32_MAX + 1))
		return errbuf_fail(err, errlen, "'%s': empty range or one past 2^32", spec);
	/* 4294967295 is (uid_t)-1, no id: chown takes it as "leave unchanged"
	 * and a request's credentials cannot carry it.  Nothing maps onto it. */
	bool map = !strcmp(type, "map");
	uint64_t to_end = squash ? v[1] + 1 : v[1] + count;
	if (!forbid && (to_end > UINT32_MAX || (map && v[0] + count > UINT32_MAX)))
		return errbuf_fail(err, errlen, "'%s': maps an id onto 4294967295 (-1, no id)",
				   spec);
	struct range r = { .from = v[0], .count = count, .to = (uint32_t)v[1] };
	if (forbid) {
		r.to = 0;
		r.forbid = true;
		return add_range(&m->to_host, r, "guest", err, errlen);
	}
	if (!strcmp(type, "guest"))
		return add_range(&m->to_host, r, "guest", err, errlen);
	if (!strcmp(type, "host"))
		return add_range(&m->to_guest, r, "host", err, errlen);
	if (!strcmp(type, "squash-guest")) {
		r.squash = true;
		return add_range(&m->to_host, r, "guest", err, errlen);
	}
	if (!strcmp(type, "squash-host")) {
		r.squash = true;
		return add_range(&m->to_guest, r, "host", err, errlen);
	}
	if (!strcmp(type, "map")) {
		if (add_range(&m->to_host, r, "guest", err, errlen))
			return -1;
		struct range back = { .from = v[1], .count = count, .to = (uint32_t)v[0] };
		if (add_range(&m->to_guest, back, "host", err, errlen)) {
			m->to_host.n--; /* all or nothing */
			return -1;
		}
		return 0;
	}
	return errbuf_fail(err, errlen,
		    "'%s': unknown type '%s' (map|guest|host|squash-guest|squash-host|forbid-guest)",
		    spec, type);
}

static uint32_t apply(const struct range *r, uint32_t id)
{
	return r->squash ? r->to : (uint32_t)(r->to + (id - r->from));
}

int idmap_to_host(const struct idmap *m, uint32_t guest, uint32_t *host)
{
	const struct range *r = m ? find(&m->to_host, guest) : NULL;
	if (r && r->forbid)
		return -EPERM;
	*host = r ? apply(r, guest) : guest;
	return 0;
}

uint32_t idmap_to_guest(const struct idmap *m, uint32_t host)
{
	const struct range *r = m ? find(&m->to_guest, host) : NULL;
	return r ? apply(r, host) : host;
}
