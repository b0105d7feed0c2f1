/* --translate-uid/--translate-gid: entry syntax, both directions, squash,
 * forbid, overlap detection, and the creds helpers built on them. */
#include "fs/idmap.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "fs/creds.h"

static void add_ok(struct idmap *m, const char *spec)
{
	char err[256] = "";
	if (idmap_add(m, spec, err, sizeof(err)) < 0)
		fprintf(stderr, "'%s': %s\n", spec, err);
	CHECK(err[0] == '\0');
}

static void add_fails(const char *prior, const char *spec, const char *msg_part)
{
	struct idmap *m = idmap_new();
	CHECK(m);
	if (prior)
		add_ok(m, prior);
	char err[256] = "";
	int r = idmap_add(m, spec, err, sizeof(err));
	if (r == 0 || !strstr(err, msg_part))
		fprintf(stderr, "'%s' gave %d '%s', want an error with '%s'\n", spec, r, err,
			msg_part);
	EQ(r, -1);
	CHECK(strstr(err, msg_part));
	idmap_free(m);
}

static uint32_t to_host(const struct idmap *m, uint32_t g)
{
	uint32_t h = 0xdeadbeef;
	EQ(idmap_to_host(m, g, &h), 0);
	return h;
}

static void test_map(void)
{
	struct idmap *m = idmap_new();
	add_ok(m, "map:1000:2000:10");
	EQ(to_host(m, 1000), 2000);
	EQ(to_host(m, 1009), 2009);
	EQ(to_host(m, 1010), 1010); /* outside: unchanged */
	EQ(to_host(m, 0), 0);
	EQ(idmap_to_guest(m, 2005), 1005);
	EQ(idmap_to_guest(m, 2010), 2010);
	EQ(idmap_to_guest(m, 1000), 1000);
	idmap_free(m);
}

static void test_one_way_squash_forbid(void)
{
	struct idmap *m = idmap_new();
	add_ok(m, "guest:0:100000:1000");
	add_ok(m, "host:5:7:1");
	add_ok(m, "squash-guest:1000:65534:4294966296"); /* up to 2^32-1 */
	add_ok(m, "squash-host:100000:0:65536");
	EQ(to_host(m, 0), 100000);
	EQ(to_host(m, 999), 100999);
	EQ(to_host(m, 1000), 65534);
	EQ(to_host(m, 4294967295u), 65534);
	EQ(idmap_to_guest(m, 5), 7);
	EQ(idmap_to_guest(m, 100000), 0);
	EQ(idmap_to_guest(m, 165535), 0);
	EQ(idmap_to_guest(m, 165536), 165536);
	EQ(idmap_to_guest(m, 99999), 99999); /* guest: entries are one way */
	idmap_free(m);

	m = idmap_new();
	add_ok(m, "forbid-guest:0:1000");
	add_ok(m, "map:1000:1000:1");
	add_ok(m, "FORBID-GUEST/1001/4294966295"); /* case and separator free */
	uint32_t h = 0;
	EQ(idmap_to_host(m, 0, &h), -EPERM);
	EQ(idmap_to_host(m, 999, &h), -EPERM);
	EQ(to_host(m, 1000), 1000);
	EQ(idmap_to_host(m, 1001, &h), -EPERM);
	EQ(idmap_to_host(m, 4294967295u, &h), -EPERM);
	EQ(idmap_to_guest(m, 0), 0); /* forbid-guest says nothing about the host */
	idmap_free(m);
}

static void test_errors(void)
{
	add_fails(NULL, "map:1:2", "expected");
	add_fails(NULL, "map:1:2:3:4", "expected");
	add_fails(NULL, "map:1:2:", "expected");
	add_fails(NULL, "map:a:2:3", "expected");
	add_fails(NULL, "map:-1:2:3", "expected");
	add_fails(NULL, "map:4294967296:0:1", "expected");
	add_fails(NULL, "forbid-guest:1:2:3", "forbid-guest:GUEST:COUNT");
	add_fails(NULL, "frob:1:2:3", "unknown type 'frob'");
	add_fails(NULL, "map", "expected");
	add_fails(NULL, "map:0:0:0", "empty range");
	add_fails(NULL, "map:4294967295:0:2", "past 2^32");
	add_fails(NULL, "map:0:4294967295:2", "past 2^32");
	/* Onto (uid_t)-1, which is no id, in either direction of a map. */
	add_fails(NULL, "map:0:4294967295:1", "onto 4294967295");
	add_fails(NULL, "map:4294967295:0:1", "onto 4294967295");
	add_fails(NULL, "guest:1:4294967290:6", "onto 4294967295");
	add_fails(NULL, "host:1:4294967290:6", "onto 4294967295");
	add_fails(NULL, "squash-host:1:4294967295:5", "onto 4294967295");
	add_fails(NULL, "squash-guest:1:4294967295:5", "onto 4294967295");
	/* From it is fine: it is never looked up, so it changes nothing. */
	struct idmap *from = idmap_new();
	add_ok(from, "guest:4294967295:0:1");
	add_ok(from, "host:4294967290:7:6");
	idmap_free(from);
	add_fails("map:1000:2000:10", "guest:1009:0:1", "overlaps");
	add_fails("map:1000:2000:10", "host:2000:0:1", "overlaps");
	add_fails("forbid-guest:0:1000", "squash-guest:999:0:5", "overlaps");
	/* A failed map adds neither direction. */
	struct idmap *m = idmap_new();
	add_ok(m, "host:50:1:1");
	char err[128];
	EQ(idmap_add(m, "map:10:50:1", err, sizeof(err)), -1);
	EQ(to_host(m, 10), 10);
	add_ok(m, "map:10:60:1");
	idmap_free(m);
}

/* creds_owner_*: the passthrough's view of the maps. */
static void test_creds_helpers(void)
{
	struct idmap *u = idmap_new(), *g = idmap_new();
	add_ok(u, "map:1000:2000:1");
	add_ok(u, "forbid-guest:0:1");
	add_ok(g, "map:100:200:1");
	struct creds_policy p = { .switch_ids = true, .uids = u, .gids = g };
	struct stat st = { .st_uid = 2000, .st_gid = 200 };
	creds_owner_to_guest(&p, &st);
	EQ(st.st_uid, 1000);
	EQ(st.st_gid, 100);
	uid_t uid = 1000;
	gid_t gid = (gid_t)-1;
	EQ(creds_owner_to_host(&p, &uid, &gid), 0);
	EQ(uid, 2000);
	EQ(gid, (gid_t)-1);
	uid = 0;
	gid = 100;
	EQ(creds_owner_to_host(&p, &uid, &gid), -EPERM);
	/* Entering the creds of a forbidden uid fails before any change. */
	struct fs_ctx c = { .uid = 0, .gid = 0 };
	struct creds_saved s;
	EQ(creds_enter(&p, &c, &s), -EPERM);
	CHECK(!s.uid && !s.gid);
	/* No maps: ids unchanged. */
	struct creds_policy none = { .switch_ids = false };
	st.st_uid = 2000;
	creds_owner_to_guest(&none, &st);
	EQ(st.st_uid, 2000);
	idmap_free(u);
	idmap_free(g);
}

int main(void)
{
	test_map();
	test_one_way_squash_forbid();
	test_errors();
	test_creds_helpers();
	return 0;
}
