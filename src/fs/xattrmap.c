#include "xattrmap.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log/log.h"

enum rule_type { R_PREFIX, R_OK, R_BAD, R_UNSUPPORTED };
enum { SCOPE_CLIENT = 1, SCOPE_SERVER = 2, SCOPE_ALL = 3 };

struct rule {
	enum rule_type type;
	unsigned scope;
	char *key;     /* client-side match */
	char *prepend; /* server-side match, and the prefix added */
};

struct xattrmap {
	struct rule *rules;
	size_t n, cap;
	char *caps_name;
};


void xattrmap_free(struct xattrmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->rules[i].key);
		free(m->rules[i].prepend);
	}
	free(m->rules);
	free(m->caps_name);
	free(m);
}

static int add_rule(struct xattrmap *m, enum rule_type type, unsigned scope, const char *key,
		    size_t keylen, const char *prepend, size_t prependlen)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct rule *r = realloc(m->rules, cap * sizeof(*r));
		if (!r)
			return -1;
		m->rules = r;
		m->cap = cap;
	}
	struct rule *r = &m->rules[m->n];
	r->type = type;
	r->scope = scope;
	r->key = strndup(key, keylen);
	r->prepend = strndup(prepend, prependlen);
	if (!r->key || !r->prepend) {
		free(r->key);
		free(r->prepend);
		return -1;
	}
	m->n++;
	return 0;
}

/* One field of a rule: the text up to the next sep.  Returns false when
 * the rule ends before it. */
static bool next_field(const char **p, char sep, const char **field, size_t *len)
{
	const char *end = strchr(*p, sep);
	if (!end)
		return false;
	*field = *p;
	*len = (size_t)(end - *p);
	*p = end + 1;
	return true;
}

static bool field_is(const char *f, size_t len, const char *word)
{
	return strlen(word) == len && !strncmp(f, word, len);
}

/* `map KEY PREPEND` as the plain rules it stands for. */
static int add_map(struct xattrmap *m, const char *key, size_t keylen, const char *prepend,
		   size_t prependlen)
{
	if (keylen == 0)
		return add_rule(m, R_PREFIX, SCOPE_ALL, "", 0, prepend, prependlen) ||
		       add_rule(m, R_BAD, SCOPE_ALL, "", 0, "", 0);
	return add_rule(m, R_PREFIX, SCOPE_ALL, key, keylen, prepend, prependlen) ||
	       /* the host's own, unprefixed KEY names stay hidden */
	       add_rule(m, R_BAD, SCOPE_SERVER, "", 0, key, keylen) ||
	       /* the guest may not reach the prefixed names directly */
	       add_rule(m, R_BAD, SCOPE_CLIENT, prepend, prependlen, "", 0) ||
	       add_rule(m, R_OK, SCOPE_ALL, "", 0, "", 0);
}

static int parse_rules(struct xattrmap *m, const char *spec, char *err, size_t n)
{
	const char *p = spec;
	bool had_map = false;
	for (unsigned no = 1;; no++) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (had_map)
			return errbuf_fail(err, n, "rule %u: the 'map' rule must be the last one", no);
		char sep = *p++;
		const char *type, *scope = "", *key, *prepend;
		size_t typelen, scopelen = 0, keylen, prependlen;
		if (!next_field(&p, sep, &type, &typelen))
			return errbuf_fail(err, n, "rule %u: missing '%c' after the type", no, sep);
		bool is_map = field_is(type, typelen, "map");
		if (!is_map && !next_field(&p, sep, &scope, &scopelen))
			return errbuf_fail(err, n, "rule %u: missing '%c' after the scope", no, sep);
		if (!next_field(&p, sep, &key, &keylen))
			return errbuf_fail(err, n, "rule %u: missing '%c' after the key", no, sep);
		if (!next_field(&p, sep, &prepend, &prependlen))
			return errbuf_fail(err, n, "rule %u: missing '%c' after the prepend field", no, sep);
		if (is_map) {
			if (add_map(m, key, keylen, prepend, prependlen))
				return errbuf_fail(err, n, "out of memory");
			had_map = true;
			continue;
		}
		enum rule_type t;
		if (field_is(type, typelen, "prefix"))
			t = R_PREFIX;
		else if (field_is(type, typelen, "ok"))
			t = R_OK;
		else if (field_is(type, typelen, "bad"))
			t = R_BAD;
		else if (field_is(type, typelen, "unsupported"))
			t = R_UNSUPPORTED;
		else
			return errbuf_fail(err, n, "rule %u: unknown type '%.*s' (prefix|ok|bad|unsupported|map)",
				    no, (int)typelen, type);
		unsigned s;
		if (field_is(scope, scopelen, "client"))
			s = SCOPE_CLIENT;
		else if (field_is(scope, scopelen, "server"))
			s = SCOPE_SERVER;
		else if (field_is(scope, scopelen, "all"))
			s = SCOPE_ALL;
		else
			return errbuf_fail(err, n, "rule %u: unknown scope '%.*s' (client|server|all)", no,
				    (int)scopelen, scope);
		if (add_rule(m, t, s, key, keylen, prepend, prependlen))
			return errbuf_fail(err, n, "out of memory");
	}
	if (m->n == 0)
		return errbuf_fail(err, n, "no rules");
	return 0;
}

struct xattrmap *xattrmap_parse(const char *spec, char *err, size_t errlen)
{
	struct xattrmap *m = calloc(1, sizeof(*m));
	if (!m) {
		errbuf_fail(err, errlen, "out of memory");
		return NULL;
	}
	if (parse_rules(m, spec, err, errlen) < 0) {
		xattrmap_free(m);
		return NULL;
	}
	/* Where the guest's file capabilities land on the host. */
	char host[XATTRMAP_NAME_MAX + 1];
	if (xattrmap_to_host(m, "security.capability", host) == 0 &&
	    strcmp(host, "security.capability") != 0) {
		m->caps_name = strdup(host);
		if (!m->caps_name) {
			errbuf_fail(err, errlen, "out of memory");
			xattrmap_free(m);
			return NULL;
		}
	}
	return m;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

int xattrmap_to_host(const struct xattrmap *m, const char *name, char out[XATTRMAP_NAME_MAX + 1])
{
	for (size_t i = 0; i < m->n; i++) {
		const struct rule *r = &m->rules[i];
		if (!(r->scope & SCOPE_CLIENT) || !starts_with(name, r->key))
			continue;
		const char *prefix = "";
		switch (r->type) {
		case R_BAD:
			return -EPERM;
		case R_UNSUPPORTED:
			return -EOPNOTSUPP;
		case R_PREFIX:
			prefix = r->prepend;
			break;
		case R_OK:
			break;
		}
		int len = snprintf(out, XATTRMAP_NAME_MAX + 1, "%s%s", prefix, name);
		return len < 0 || len > XATTRMAP_NAME_MAX ? -ERANGE : 0;
	}
	return -EPERM;
}

const char *xattrmap_to_guest(const struct xattrmap *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct rule *r = &m->rules[i];
		if (!(r->scope & SCOPE_SERVER) || !starts_with(name, r->prepend))
			continue;
		switch (r->type) {
		case R_PREFIX: {
			const char *g = name + strlen(r->prepend);
			return *g ? g : NULL; /* the bare prefix names nothing */
		}
		case R_OK:
			return name;
		case R_BAD:
		case R_UNSUPPORTED:
			return NULL;
		}
	}
	return NULL;
}

ssize_t xattrmap_list_to_guest(const struct xattrmap *m, const char *in, size_t inlen, char *out,
			       size_t outsize)
{
	size_t need = 0;
	for (size_t off = 0; off < inlen;) {
		const char *name = in + off;
		const char *end = memchr(name, '\0', inlen - off);
		if (!end)
			break; /* a torn last name: not a name */
		off = (size_t)(end - in) + 1;
		const char *g = xattrmap_to_guest(m, name);
		if (!g)
			continue;
		size_t len = strlen(g) + 1;
		if (outsize) {
			if (need + len > outsize)
				return -ERANGE;
			/* g is a suffix of name, which lies at or after need
			 * when out == in: memmove handles the overlap. */
			memmove(out + need, g, len);
		}
		need += len;
	}
	return (ssize_t)need;
}

const char *xattrmap_caps_name(const struct xattrmap *m)
{
	return m ? m->caps_name : NULL;
}
