/* Live migration of a virtio-fs device between two backends, played by
 * two VMMs on one guest (vhost-user.rst, "Migration", "Migrating back-end
 * state"; QEMU 10's order of messages):
 *   build/client/migrate SOCK_A SOCK_B SHARE
 * A and B are two fresh daemons serving the same directory SHARE.
 *  1. On A: bring-up, INIT, LOOKUP + OPEN a file, LOOKUP + OPENDIR a
 *     directory, READ and READDIR part of them.
 *  2. Dirty logging as QEMU starts it while the rings run (SET_LOG_BASE,
 *     SET_FEATURES + LOG_ALL, SET_VRING_ADDR with the log flag): a READ
 *     marks exactly its reply's pages and the used ring's.
 *  3. Stop: GET_VRING_BASE on both rings (nothing in flight), then
 *     SET_DEVICE_STATE_FD save, the pipe read to EOF, CHECK_DEVICE_STATE.
 *  4. On B: connect and negotiate, SET_DEVICE_STATE_FD load, the stream
 *     written and closed, CHECK_DEVICE_STATE; then SET_FEATURES, the same
 *     guest memory (same memfd and addresses), and both rings resumed with
 *     SET_VRING_BASE = A's bases and the used index in guest memory.
 *  5. On B, without INIT: READ on the same fh gives the file's bytes,
 *     GETATTR on the same node id answers the same inode, READDIR goes on
 *     from where A stopped (every entry exactly once), RELEASE, RELEASEDIR,
 *     FORGET; a new LOOKUP works.
 * One PASS/FAIL line per check; exit 0 when all passed.  The daemons must
 * offer VHOST_USER_PROTOCOL_F_DEVICE_STATE and LOG_SHMFD and VHOST_F_LOG_ALL.
 * tests/client/migrate.sh starts the two daemons and runs this. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_session.h"

#define BIT(n) (1ull << (n))
#define FILE_NAME "migrate-file"
#define FILE_SIZE (3 * 4096 + 777)
#define DIR_NAME "migrate-dir"
#define DIR_ENTRIES 40

static int failures;

static bool result(bool ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool result(bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s", ok ? "PASS" : "FAIL", what);
	if (!ok && fmt) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	fflush(stdout);
	failures += !ok;
	return ok;
}

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 11 + (off >> 8) * 3 + 5);
}

static int prepare_share(const char *share)
{
	char path[4096];
	uint8_t buf[FILE_SIZE];
	int fd;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i);
	snprintf(path, sizeof(path), "%s/%s", share, FILE_NAME);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || vuc_write_all(fd, buf, sizeof(buf)) < 0)
		return perror(path), -1;
	close(fd);
	snprintf(path, sizeof(path), "%s/%s", share, DIR_NAME);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return perror(path), -1;
	for (int i = 0; i < DIR_ENTRIES; i++) {
		snprintf(path, sizeof(path), "%s/%s/entry-%02d", share, DIR_NAME, i);
		fd = open(path, O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			return perror(path), -1;
		close(fd);
	}
	return 0;
}

/* One request, synchronously; false (with a FAIL line) on a transport or
 * protocol failure or an error reply. */
static bool call(struct fr_slot *slot, struct vring_drv *vr, const char *what,
		 struct fr_reply *rep)
{
	const char *why = NULL;
	int r = fr_call(slot, vr, VUC_TIMEOUT_MS, rep, &why);

	if (r < 0)
		return result(false, what, "%s", why ? why : strerror(-r));
	if (rep->error)
		return result(false, what, "error %d (%s)", rep->error, strerror(-rep->error));
	return true;
}

static bool read_check(struct fs_session *s, struct fr_slot *slot, const char *what,
		       uint64_t nodeid, uint64_t fh, uint64_t off, uint32_t size)
{
	struct fr_reply rep;
	uint32_t want = off >= FILE_SIZE ? 0 :
			(FILE_SIZE - off < size ? (uint32_t)(FILE_SIZE - off) : size);

	fr_read(slot, fs_unique(s), nodeid, fh, off, size);
	if (!call(slot, &s->req, what, &rep))
		return false;
	if (rep.data_len != want)
		return result(false, what, "%u bytes, expected %u", rep.data_len, want);
	for (uint32_t i = 0; i < want; i++)
		if (slot->data[i] != pattern(off + i))
			return result(false, what, "byte %llu differs",
				      (unsigned long long)(off + i));
	return result(true, what, NULL);
}

/* READDIR names seen so far: each counted; *last_off is the offset to go
 * on from.  Returns the entries in this reply, -1 on failure. */
static int seen[DIR_ENTRIES];
static int seen_other;

static int readdir_some(struct fs_session *s, struct fr_slot *slot, const char *what,
			uint64_t nodeid, uint64_t fh, uint64_t *last_off, uint32_t size)
{
	struct fr_reply rep;
	int n = 0;

	fr_readdir(slot, fs_unique(s), nodeid, fh, *last_off, size);
	if (!call(slot, &s->req, what, &rep))
		return -1;
	for (uint32_t off = 0; off + FUSE_NAME_OFFSET <= rep.data_len;) {
		const struct fuse_dirent *d = (const void *)(slot->data + off);
		if (off + FUSE_DIRENT_SIZE(d) > rep.data_len) {
			result(false, what, "a dirent runs past the reply");
			return -1;
		}
		char name[256];
		uint32_t len = d->namelen < 255 ? d->namelen : 255;
		memcpy(name, d->name, len);
		name[len] = '\0';
		int k;
		if (sscanf(name, "entry-%d", &k) == 1 && k >= 0 && k < DIR_ENTRIES)
			seen[k]++;
		else if (strcmp(name, ".") && strcmp(name, ".."))
			seen_other++;
		*last_off = d->off;
		off += (uint32_t)FUSE_DIRENT_SIZE(d);
		n++;
	}
	return n;
}

static uint64_t lookup(struct fs_session *s, struct fr_slot *slot, const char *what,
		       const char *name, uint64_t *ino)
{
	struct fr_reply rep;

	fr_lookup(slot, fs_unique(s), FUSE_ROOT_ID, name);
	if (!call(slot, &s->req, what, &rep))
		return 0;
	const struct fuse_entry_out *eo = (const void *)rep.arg;
	if (rep.arg_len < sizeof(*eo)) {
		result(false, what, "short reply");
		return 0;
	}
	if (ino)
		*ino = eo->attr.ino;
	result(true, what, NULL);
	return eo->nodeid;
}

static uint64_t open_node(struct fs_session *s, struct fr_slot *slot, const char *what,
			  uint64_t nodeid, bool dir)
{
	struct fr_reply rep;

	if (dir)
		fr_opendir(slot, fs_unique(s), nodeid);
	else
		fr_open(slot, fs_unique(s), nodeid, O_RDONLY);
	if (!call(slot, &s->req, what, &rep))
		return 0;
	const struct fuse_open_out *oo = (const void *)rep.arg;
	if (rep.arg_len < sizeof(*oo)) {
		result(false, what, "short reply");
		return 0;
	}
	result(true, what, NULL);
	return oo->fh;
}

static bool getattr(struct fs_session *s, struct fr_slot *slot, const char *what,
		    uint64_t nodeid, uint64_t *ino)
{
	struct fr_reply rep;

	fr_getattr(slot, fs_unique(s), nodeid);
	if (!call(slot, &s->req, what, &rep))
		return false;
	const struct fuse_attr_out *ao = (const void *)rep.arg;
	if (rep.arg_len < sizeof(*ao))
		return result(false, what, "short reply");
	*ino = ao->attr.ino;
	return true;
}

/* The log shows exactly the pages of [gpa[i], gpa[i] + len[i]), except
 * that the page of may_gpa may be marked too. */
static bool log_exact(const struct vuc_log *l, const uint64_t *gpa, const uint64_t *len,
		      unsigned n, uint64_t may_gpa, const char *what)
{
	unsigned extra = 0, missing = 0;
	uint64_t first_extra = 0, first_missing = 0;

	for (uint64_t page = 0; page < l->size * 8; page++) {
		bool want = false;
		for (unsigned i = 0; i < n; i++)
			want |= page >= gpa[i] / VUC_LOG_PAGE &&
				page <= (gpa[i] + len[i] - 1) / VUC_LOG_PAGE;
		bool set = vuc_log_test(l, page * VUC_LOG_PAGE);
		if (page == may_gpa / VUC_LOG_PAGE)
			continue;
		if (set && !want && !extra++)
			first_extra = page * VUC_LOG_PAGE;
		if (want && !set && !missing++)
			first_missing = page * VUC_LOG_PAGE;
	}
	return result(!extra && !missing, what, "%u pages marked that were not written "
		      "(first at gpa %#llx), %u written pages not marked (first at gpa %#llx); "
		      "expected: reply %#llx, data %#llx, used ring %#llx", extra,
		      (unsigned long long)first_extra, missing, (unsigned long long)first_missing,
		      (unsigned long long)gpa[0], (unsigned long long)gpa[1],
		      (unsigned long long)gpa[2]);
}

int main(int argc, char **argv)
{
	static struct fs_session a, b;
	static struct fr_slot slot;
	struct fs_options o = {
		.event_idx = true,
		.indirect = true,
		.protocol_extra = BIT(VUC_PROTOCOL_F_DEVICE_STATE) | BIT(VUC_PROTOCOL_F_LOG_SHMFD),
	};
	const char *step = NULL, *why = NULL;
	struct fr_reply rep;
	struct vuc_log log = { .fd = -1 };
	uint64_t ino_f = 0, ino_f2 = 0, last_off = 0;
	unsigned base_hiprio = 0, base_req = 0;
	uint8_t *state = NULL;
	size_t state_len = 0;
	int r, fd;

	if (argc != 4) {
		fprintf(stderr, "usage: %s SOCK_A SOCK_B SHARE\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	/* Nothing of B is open yet (fs_close must not touch fd 0). */
	b.c.sock = b.c.memfd = -1;
	b.hiprio.kick_fd = b.hiprio.call_fd = b.req.kick_fd = b.req.call_fd = -1;
	if (prepare_share(argv[3]) < 0)
		return 1;

	/* 1. Daemon A, as the source VMM's. */
	r = fs_open(&a, argv[1], &o, &step);
	if (!result(r == 0, "A: device up", "%s: %s", step, strerror(-r)))
		goto out;
	if (!result((a.c.protocol_features & o.protocol_extra) == o.protocol_extra &&
		    (a.offered_features & BIT(VUC_F_LOG_ALL)),
		    "A: offers DEVICE_STATE, LOG_SHMFD and LOG_ALL", "protocol %#llx features %#llx",
		    (unsigned long long)a.offered_protocol,
		    (unsigned long long)a.offered_features))
		goto out;
	if ((r = fr_slot_init(&slot, &a.c, 65536)) < 0 ||
	    (r = fs_fuse_init(&a, &slot, 0, 0, &why)) < 0) {
		result(false, "A: INIT", "%s", why ? why : strerror(-r));
		goto out;
	}
	uint64_t nodeid_f = lookup(&a, &slot, "A: LOOKUP file", FILE_NAME, &ino_f);
	uint64_t fh_f = nodeid_f ? open_node(&a, &slot, "A: OPEN file", nodeid_f, false) : 0;
	uint64_t nodeid_d = lookup(&a, &slot, "A: LOOKUP directory", DIR_NAME, NULL);
	uint64_t fh_d = nodeid_d ? open_node(&a, &slot, "A: OPENDIR", nodeid_d, true) : 0;
	if (!nodeid_f || !fh_f || !nodeid_d || !fh_d)
		goto out;
	read_check(&a, &slot, "A: READ 4 KiB at 0", nodeid_f, fh_f, 0, 4096);
	int got = readdir_some(&a, &slot, "A: READDIR (first part)", nodeid_d, fh_d, &last_off,
			       512);
	if (!result(got > 0 && got < DIR_ENTRIES, "A: READDIR returns part of the directory",
		    "%d entries", got))
		goto out;

	/* 2. Dirty logging on, while the rings run. */
	if ((r = vuc_log_create(&log, 0, a.c.mem_gpa + a.c.mem_size)) < 0 ||
	    (r = vuc_set_log_base(&a.c, log.fd, log.size, 0)) < 0) {
		result(false, "A: SET_LOG_BASE", "%s", strerror(-r));
		goto out;
	}
	if ((r = vuc_set_features(&a.c, a.c.features | BIT(VUC_F_LOG_ALL))) < 0 ||
	    (r = vuc_set_vring_addr_log(&a.c, 0, a.hiprio.desc, a.hiprio.avail, a.hiprio.used,
					VUC_VRING_F_LOG, vuc_gpa(&a.c, a.hiprio.used))) < 0 ||
	    (r = vuc_set_vring_addr_log(&a.c, 1, a.req.desc, a.req.avail, a.req.used,
					VUC_VRING_F_LOG, vuc_gpa(&a.c, a.req.used))) < 0) {
		result(false, "A: logging on (LOG_ALL, ring log flags)", "%s", strerror(-r));
		goto out;
	}
	result(true, "A: logging on (LOG_ALL, ring log flags) while the rings run", NULL);
	memset(log.bits, 0, log.size);
	if (read_check(&a, &slot, "A: READ 6000 bytes at 1000 while logging", nodeid_f, fh_f,
		       1000, 6000)) {
		usleep(50 * 1000);     /* the queue thread ends its batch */
		uint64_t gpa[3] = { vuc_gpa(&a.c, slot.rep), vuc_gpa(&a.c, slot.data),
				    vuc_gpa(&a.c, a.req.used) };
		uint64_t len[3] = { sizeof(struct fuse_out_header), 6000, 6 + 8ull * a.req.num };
		/* The hiprio ring's thread may write its used ring (avail_event)
		 * for the first time late, while logging is on: allowed. */
		log_exact(&log, gpa, len, 3, vuc_gpa(&a.c, a.hiprio.used),
			  "A: the log marks exactly the reply and the used ring");
	}

	/* 3. Stop the rings, save the state. */
	if ((r = vuc_get_vring_base(&a.c, 0, &base_hiprio)) < 0 ||
	    (r = vuc_get_vring_base(&a.c, 1, &base_req)) < 0) {
		result(false, "A: GET_VRING_BASE", "%s", strerror(-r));
		goto out;
	}
	result(a.req.used->idx == (uint16_t)base_req && a.hiprio.used->idx == (uint16_t)base_hiprio,
	       "A: rings stopped with nothing in flight", "bases %u %u, used idx %u %u",
	       base_hiprio, base_req, a.hiprio.used->idx, a.req.used->idx);
	if ((r = vuc_set_device_state_fd(&a.c, VUC_STATE_SAVE, VUC_PHASE_STOPPED, &fd)) < 0) {
		result(false, "A: SET_DEVICE_STATE_FD save", "%s", strerror(-r));
		goto out;
	}
	r = vuc_read_all(fd, &state, &state_len);
	close(fd);
	if (!result(r == 0, "A: state read to EOF", "%s", strerror(-r)))
		goto out;
	printf("INFO state: %zu bytes\n", state_len);
	r = vuc_check_device_state(&a.c, NULL);
	result(r == 0, "A: CHECK_DEVICE_STATE after the save", "%s", strerror(-r));

	/* 4. Daemon B, as the destination VMM's: the state first, then the
	 * device starts on the same guest memory. */
	r = fs_connect(&b, argv[2], &o, &step);
	if (!result(r == 0, "B: connect and negotiate", "%s: %s", step, strerror(-r)))
		goto out;
	if ((r = vuc_set_device_state_fd(&b.c, VUC_STATE_LOAD, VUC_PHASE_STOPPED, &fd)) < 0) {
		result(false, "B: SET_DEVICE_STATE_FD load", "%s", strerror(-r));
		goto out;
	}
	r = vuc_write_all(fd, state, state_len);
	close(fd);
	result(r == 0, "B: state written", "%s", strerror(-r));
	r = vuc_check_device_state(&b.c, NULL);
	if (!result(r == 0, "B: CHECK_DEVICE_STATE after the load", "%s", strerror(-r)))
		goto out;
	if ((r = fs_start(&b, &o, &a.c, &step)) < 0 ||
	    (r = vr_move(&b.hiprio, &a.hiprio, &b.c)) < 0 ||
	    (r = vr_move(&b.req, &a.req, &b.c)) < 0 ||
	    (r = vr_setup_at(&b.hiprio, base_hiprio)) < 0 ||
	    (r = vr_setup_at(&b.req, base_req)) < 0) {
		result(false, "B: device started on the same memory, rings resumed", "%s: %s",
		       step ? step : "rings", strerror(-r));
		goto out;
	}
	result(true, "B: device started on the same memory, rings resumed", NULL);
	slot.c = &b.c;
	b.next_unique = a.next_unique;
	b.init = a.init;

	/* 5. Carry on, no INIT. */
	read_check(&b, &slot, "B: READ on A's fh (4 KiB at 4096)", nodeid_f, fh_f, 4096, 4096);
	read_check(&b, &slot, "B: READ on A's fh (the whole file)", nodeid_f, fh_f, 0, 65536);
	if (getattr(&b, &slot, "B: GETATTR on A's node id", nodeid_f, &ino_f2))
		result(ino_f2 == ino_f, "B: GETATTR on A's node id", "inode %llu, was %llu",
		       (unsigned long long)ino_f2, (unsigned long long)ino_f);
	int more, rounds = 0;
	while ((more = readdir_some(&b, &slot, "B: READDIR from A's offset", nodeid_d, fh_d,
				    &last_off, 512)) > 0 && rounds++ < 100)
		;
	if (more == 0) {
		int missing = 0, twice = 0;
		for (int i = 0; i < DIR_ENTRIES; i++) {
			missing += seen[i] == 0;
			twice += seen[i] > 1;
		}
		result(!missing && !twice && !seen_other,
		       "B: READDIR goes on: every entry exactly once",
		       "%d missing, %d seen twice, %d unknown names", missing, twice, seen_other);
	}
	fr_release(&slot, fs_unique(&b), nodeid_f, fh_f, 0);
	if (call(&slot, &b.req, "B: RELEASE of A's fh", &rep))
		result(true, "B: RELEASE of A's fh", NULL);
	fr_releasedir(&slot, fs_unique(&b), nodeid_d, fh_d);
	if (call(&slot, &b.req, "B: RELEASEDIR of A's fh", &rep))
		result(true, "B: RELEASEDIR of A's fh", NULL);
	/* A released handle is gone on B too. */
	fr_read(&slot, fs_unique(&b), nodeid_f, fh_f, 0, 16);
	r = fr_call(&slot, &b.req, VUC_TIMEOUT_MS, &rep, &why);
	result(r == 0 && rep.error != 0, "B: READ on the released fh fails", "%s",
	       r ? strerror(-r) : "it succeeded");
	uint64_t ino_again = 0;
	lookup(&b, &slot, "B: LOOKUP again", FILE_NAME, &ino_again);
	result(ino_again == ino_f, "B: LOOKUP again finds the same inode", NULL);
	/* FORGET both on the hiprio queue, as the kernel does. */
	uint64_t fnodes[2] = { nodeid_f, nodeid_d };
	for (int i = 0; i < 2; i++) {
		struct vr_used u;
		fr_forget(&slot, fs_unique(&b), fnodes[i], 1);
		if (fr_submit(&slot, &b.hiprio, false) < 0 || vr_kick(&b.hiprio, true) < 0 ||
		    vr_wait_used(&b.hiprio, VUC_TIMEOUT_MS, &u) != 1) {
			result(false, "B: FORGET on the hiprio queue", "not completed");
			break;
		}
	}
	uint64_t ino_root;
	if (getattr(&b, &slot, "B: GETATTR of the root", FUSE_ROOT_ID, &ino_root))
		result(true, "B: serving after it all", NULL);

out:
	free(state);
	vuc_log_destroy(&log);
	/* B borrows A's memory: close B first. */
	fs_close(&b);
	fs_close(&a);
	printf("migrate: %s (%d failed)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
