/* --xattrmap: the rule parser, client->host names, host->client names, the
 * list rewrite and the security.capability special case. */
#include "fs/xattrmap.h"

#include <errno.h>
#include <string.h>

#include "check.h"

static struct xattrmap *parse(const char *spec)
{
	char err[256] = "";
	struct xattrmap *m = xattrmap_parse(spec, err, sizeof(err));
	if (!m)
		fprintf(stderr, "parse '%s': %s\n", spec, err);
	CHECK(m);
	return m;
}

static void parse_fails(const char *spec, const char *msg_part)
{
	char err[256] = "";
	struct xattrmap *m = xattrmap_parse(spec, err, sizeof(err));
	if (m || !strstr(err, msg_part))
		fprintf(stderr, "'%s' gave '%s', want an error with '%s'\n", spec, err, msg_part);
	CHECK(!m);
	CHECK(strstr(err, msg_part));
}

/* The host name of guest name under m, or "E<errno>". */
static const char *host(const struct xattrmap *m, const char *name)
{
	static char out[XATTRMAP_NAME_MAX + 1];
	int r = xattrmap_to_host(m, name, out);
	if (r < 0)
		snprintf(out, sizeof(out), "E%d", -r);
	return out;
}

static const char *guest(const struct xattrmap *m, const char *name)
{
	const char *g = xattrmap_to_guest(m, name);
	return g ? g : "(hidden)";
}

#define STREQ(a, b)                                                                          \
	do {                                                                                 \
		const char *_a = (a), *_b = (b);                                             \
		if (strcmp(_a, _b)) {                                                        \
			fprintf(stderr, "%s:%d: %s is '%s', want '%s'\n", __FILE__, __LINE__, \
				#a, _a, _b);                                                 \
			exit(1);                                                             \
		}                                                                            \
	} while (0)

/* Example 1 of the reference docs: everything under user.virtiofs. */
static void test_prefix_all(void)
{
	struct xattrmap *m = parse(":prefix:all::user.virtiofs.::bad:all:::");
	STREQ(host(m, "user.foo"), "user.virtiofs.user.foo");
	STREQ(host(m, "security.capability"), "user.virtiofs.security.capability");
	STREQ(guest(m, "user.virtiofs.trusted.x"), "trusted.x");
	STREQ(guest(m, "user.other"), "(hidden)");
	STREQ(guest(m, "security.selinux"), "(hidden)");
	STREQ(guest(m, "user.virtiofs."), "(hidden)"); /* bare prefix: no name */
	STREQ(xattrmap_caps_name(m), "user.virtiofs.security.capability");
	xattrmap_free(m);

	/* The map shorthand says the same. */
	m = parse(":map::user.virtiofs.:");
	STREQ(host(m, "trusted.a"), "user.virtiofs.trusted.a");
	STREQ(guest(m, "user.virtiofs.trusted.a"), "trusted.a");
	STREQ(guest(m, "trusted.a"), "(hidden)");
	xattrmap_free(m);
}

/* Example 2, with '/' separators and new lines between rules. */
static void test_prefix_trusted(void)
{
	const char *spec = "/prefix/all/trusted./user.virtiofs./\n"
			   " /bad/server//trusted./\n"
			   " /bad/client/user.virtiofs.//\n"
			   " /ok/all///";
	struct xattrmap *m = parse(spec);
	STREQ(host(m, "trusted.overlay.x"), "user.virtiofs.trusted.overlay.x");
	STREQ(host(m, "user.virtiofs.trusted.x"), "E1"); /* EPERM */
	STREQ(host(m, "user.plain"), "user.plain");
	STREQ(host(m, "security.capability"), "security.capability");
	CHECK(xattrmap_caps_name(m) == NULL); /* not renamed: the kernel drops it */
	STREQ(guest(m, "user.virtiofs.trusted.overlay.x"), "trusted.overlay.x");
	STREQ(guest(m, "trusted.host-own"), "(hidden)");
	STREQ(guest(m, "user.plain"), "user.plain");
	xattrmap_free(m);

	/* Same as its map form. */
	m = parse("/map/trusted./user.virtiofs./");
	STREQ(host(m, "trusted.overlay.x"), "user.virtiofs.trusted.overlay.x");
	STREQ(host(m, "user.virtiofs.trusted.x"), "E1");
	STREQ(host(m, "user.plain"), "user.plain");
	STREQ(guest(m, "trusted.host-own"), "(hidden)");
	STREQ(guest(m, "user.virtiofs.trusted.a"), "trusted.a");
	STREQ(guest(m, "security.selinux"), "security.selinux");
	xattrmap_free(m);
}

static void test_first_match_and_types(void)
{
	struct xattrmap *m = parse(":ok:client:user.::"
				   ":unsupported:client:security.::"
				   ":bad:server::security.:"
				   ":ok:server:::");
	STREQ(host(m, "user.a"), "user.a");
	char want[16];
	snprintf(want, sizeof(want), "E%d", EOPNOTSUPP);
	STREQ(host(m, "security.selinux"), want);
	STREQ(host(m, "trusted.a"), "E1"); /* no client rule matches */
	STREQ(guest(m, "security.selinux"), "(hidden)");
	STREQ(guest(m, "trusted.a"), "trusted.a");
	xattrmap_free(m);

	/* Order matters: the first match wins. */
	m = parse(":bad:all:user.secret:user.secret::ok:all:::");
	STREQ(host(m, "user.secret.x"), "E1");
	STREQ(host(m, "user.open"), "user.open");
	STREQ(guest(m, "user.secret.x"), "(hidden)");
	xattrmap_free(m);

	/* No server rule: every host name hidden. */
	m = parse(":ok:client:::");
	STREQ(guest(m, "user.a"), "(hidden)");
	xattrmap_free(m);
}

static void test_name_too_long(void)
{
	struct xattrmap *m = parse(":prefix:all::user.virtiofs.:");
	char name[XATTRMAP_NAME_MAX + 1];
	memset(name, 'a', sizeof(name) - 1);
	memcpy(name, "user.", 5);
	name[XATTRMAP_NAME_MAX - 14] = '\0'; /* 241 bytes + 14-byte prefix = 255: fits */
	CHECK(strcmp(host(m, name), "E34") != 0);
	name[XATTRMAP_NAME_MAX - 14] = 'a';
	name[XATTRMAP_NAME_MAX - 13] = '\0'; /* one more: too long */
	char want[16];
	snprintf(want, sizeof(want), "E%d", ERANGE);
	STREQ(host(m, name), want);
	xattrmap_free(m);
}

static void test_list(void)
{
	struct xattrmap *m = parse(":map::user.virtiofs.:");
	static const char in[] = "user.virtiofs.user.a\0security.selinux\0user.virtiofs.trusted.b\0"
				 "user.virtiofs.\0";
	char out[64];
	EQ(xattrmap_list_to_guest(m, in, sizeof(in) - 1, NULL, 0), 17);
	EQ(xattrmap_list_to_guest(m, in, sizeof(in) - 1, out, sizeof(out)), 17);
	CHECK(!memcmp(out, "user.a\0trusted.b\0", 17));
	EQ(xattrmap_list_to_guest(m, in, sizeof(in) - 1, out, 16), -ERANGE);
	/* In place, as the daemon does not do but may. */
	char buf[sizeof(in)];
	memcpy(buf, in, sizeof(in));
	EQ(xattrmap_list_to_guest(m, buf, sizeof(in) - 1, buf, sizeof(buf)), 17);
	CHECK(!memcmp(buf, "user.a\0trusted.b\0", 17));
	/* A list whose last name lacks its NUL stops there. */
	EQ(xattrmap_list_to_guest(m, "user.virtiofs.x\0user.virtiofs.y", 31, NULL, 0), 2);
	EQ(xattrmap_list_to_guest(m, "", 0, NULL, 0), 0);
	xattrmap_free(m);
}

static void test_syntax_errors(void)
{
	parse_fails("", "no rules");
	parse_fails("   \n ", "no rules");
	parse_fails(":prefix:all:user.", "missing ':'");
	parse_fails(":prefix:all", "missing ':'");
	parse_fails(":frob:all:::", "unknown type 'frob'");
	parse_fails(":ok:both:::", "unknown scope 'both'");
	parse_fails(":map::user.v.::ok:all:::", "must be the last");
	parse_fails(":map::a.::map::b.:", "must be the last");
	parse_fails(":prefix:all:a:b: x", "missing 'x'");
	/* The separator may be any character, one per rule. */
	struct xattrmap *m = parse("|ok|all||| ;bad;all;;;");
	STREQ(host(m, "user.a"), "user.a");
	xattrmap_free(m);
	/* Trailing white space is fine. */
	m = parse("  :ok:all:::  \n");
	xattrmap_free(m);
}

int main(void)
{
	test_prefix_all();
	test_prefix_trusted();
	test_first_match_and_types();
	test_name_too_long();
	test_list();
	test_syntax_errors();
	return 0;
}
