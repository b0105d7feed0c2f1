/* CREATE files as given guest ids, for the id-mapping tests:
 *   build/client/ids SOCKET UID:GID:NAME...
 * Brings the device up and FUSE_INIT (as the client's own ids), then per
 * argument one CREATE of NAME in the share's root (O_EXCL, mode 0644) whose
 * FUSE header carries UID and GID, and RELEASE + FORGET of what it made.
 * Prints one line per argument:
 *   NAME ok UID GID      the reply's owner, as the guest sees it
 *   NAME error ERRNO     the reply's error (positive errno number)
 * Exit status 0 when every request got a reply (whatever it was), 1 when
 * the transport failed, 2 on a usage error. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs_session.h"

static int parse_id(const char *s, char **end, uint32_t *out)
{
	errno = 0;
	unsigned long v = strtoul(s, end, 10);
	if (errno || *end == s || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* One request; -1 when the transport broke. */
static int call(struct fr_slot *slot, struct vring_drv *vr, struct fr_reply *rep)
{
	const char *why = NULL;
	int r = fr_call(slot, vr, VUC_TIMEOUT_MS, rep, &why);
	if (r < 0) {
		fprintf(stderr, "ids: %s (%s)\n", why ? why : "transport", strerror(-r));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fs_options o = { .event_idx = true, .indirect = true };
	struct fs_session s;
	struct fr_slot slot;
	const char *step = NULL, *why = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SOCKET UID:GID:NAME...\n", argv[0]);
		return 2;
	}
	int r = fs_open(&s, argv[1], &o, &step);
	if (r < 0) {
		fprintf(stderr, "ids: vhost-user setup: %s: %s\n", step, strerror(-r));
		return 1;
	}
	if (fr_slot_init(&slot, &s.c, 4096) < 0 ||
	    fs_fuse_init(&s, &slot, FUSE_ASYNC_READ, 0, &why) < 0) {
		fprintf(stderr, "ids: FUSE_INIT failed: %s\n", why ? why : "no memory");
		fs_close(&s);
		return 1;
	}
	int rc = 0;
	for (int i = 2; i < argc && rc == 0; i++) {
		uint32_t uid, gid;
		char *end;
		if (parse_id(argv[i], &end, &uid) < 0 || *end != ':' ||
		    parse_id(end + 1, &end, &gid) < 0 || *end != ':' || !end[1]) {
			fprintf(stderr, "ids: '%s' is not UID:GID:NAME\n", argv[i]);
			rc = 2;
			break;
		}
		const char *name = end + 1;
		struct fr_reply rep;
		fr_create(&slot, fs_unique(&s), FUSE_ROOT_ID, name, O_RDWR | O_CREAT | O_EXCL, 0644);
		struct fuse_in_header *h = (struct fuse_in_header *)slot.req;
		h->uid = uid;
		h->gid = gid;
		if (call(&slot, &s.req, &rep) < 0) {
			rc = 1;
			break;
		}
		if (rep.error) {
			printf("%s error %d\n", name, -rep.error);
			continue;
		}
		struct fuse_entry_out entry;
		struct fuse_open_out op;
		if (rep.arg_len < sizeof(entry) + sizeof(op)) {
			fprintf(stderr, "ids: CREATE %s: short reply (%u bytes)\n", name, rep.arg_len);
			rc = 1;
			break;
		}
		memcpy(&entry, rep.arg, sizeof(entry));
		memcpy(&op, rep.arg + sizeof(entry), sizeof(op));
		printf("%s ok %u %u\n", name, entry.attr.uid, entry.attr.gid);
		fr_release(&slot, fs_unique(&s), entry.nodeid, op.fh, O_RDWR);
		if (call(&slot, &s.req, &rep) < 0) {
			rc = 1;
			break;
		}
		fr_forget(&slot, fs_unique(&s), entry.nodeid, 1);
		if (call(&slot, &s.hiprio, &rep) < 0)
			rc = 1;
	}
	fflush(stdout);
	fs_close(&s);
	return rc;
}
