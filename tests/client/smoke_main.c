/* Smoke test of a virtio-fs backend through the host-side client:
 *   build/client/smoke SOCKET SHARED_DIR
 * Brings the device up, FUSE_INIT, then LOOKUP / GETATTR / OPEN / READ 4 KiB
 * (content checked against the file this program wrote into SHARED_DIR) /
 * RELEASE, the same READ through an indirect descriptor table, CREATE +
 * WRITE (checked on the host), MKDIR, OPENDIR + READDIR, UNLINK, RMDIR,
 * FORGET on the hiprio queue, and GET_VRING_BASE.  One PASS/FAIL line each;
 * exit status 0 when everything passed. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "fs_session.h"

#define FILE_NAME "smoke.dat"
#define NEW_NAME "smoke-new.dat"
#define DIR_NAME "smoke-dir"
#define FILE_SIZE (64 * 1024)
#define IO_SIZE 4096

static int failures;

static void result(bool ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void result(bool ok, const char *what, const char *fmt, ...)
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
}

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + (off >> 8) * 13 + 1);
}

/* One request on the request queue; reports a FAIL line when the transport
 * or the reply is broken or the error differs from want_err. */
static bool call(struct fs_session *s, struct fr_slot *slot, struct vring_drv *vr,
		 const char *what, int want_err, struct fr_reply *rep)
{
	const char *why = NULL;
	int r = fr_call(slot, vr, VUC_TIMEOUT_MS, rep, &why);

	if (r < 0) {
		result(false, what, "%s (%s)", why ? why : "transport", strerror(-r));
		return false;
	}
	if (rep->error != want_err) {
		result(false, what, "error %d (%s), expected %d", rep->error,
		       strerror(-rep->error), want_err);
		return false;
	}
	return true;
}

static int write_host_file(const char *dir)
{
	char path[4096];
	uint8_t buf[FILE_SIZE];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, FILE_NAME);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		perror(path);
		return -1;
	}
	close(fd);
	/* Leftovers of an interrupted earlier run would make CREATE/MKDIR fail. */
	snprintf(path, sizeof(path), "%s/%s", dir, NEW_NAME);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, DIR_NAME);
	rmdir(path);
	return 0;
}

static bool check_pattern(const uint8_t *p, uint64_t off, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != pattern(off + i))
			return false;
	return true;
}

/* Find name in a FUSE_READDIR payload (struct fuse_dirent records). */
static bool dirents_have(const uint8_t *p, uint32_t len, const char *name)
{
	uint32_t off = 0;

	while (off + FUSE_NAME_OFFSET <= len) {
		const struct fuse_dirent *d = (const void *)(p + off);
		uint32_t rec = FUSE_DIRENT_SIZE(d);

		if (d->namelen > len - off - FUSE_NAME_OFFSET || rec > len - off)
			return false;
		if (d->namelen == strlen(name) && !memcmp(d->name, name, d->namelen))
			return true;
		off += rec;
	}
	return false;
}

static void test_read_file(struct fs_session *s, struct fr_slot *slot)
{
	struct fr_reply rep;
	struct fuse_entry_out entry;
	struct fuse_attr_out attr;
	struct fuse_open_out op;
	uint64_t nodeid, fh;
	bool indirect = s->c.features & (1ull << VIRTIO_RING_F_INDIRECT_DESC);

	fr_lookup(slot, fs_unique(s), FUSE_ROOT_ID, FILE_NAME);
	if (!call(s, slot, &s->req, "LOOKUP " FILE_NAME, 0, &rep))
		return;
	memcpy(&entry, rep.arg, sizeof(entry));
	result(rep.arg_len == sizeof(entry) && entry.nodeid != 0 &&
	       entry.attr.size == FILE_SIZE, "LOOKUP " FILE_NAME,
	       "arg_len %u nodeid %llu size %llu", rep.arg_len,
	       (unsigned long long)entry.nodeid, (unsigned long long)entry.attr.size);
	nodeid = entry.nodeid;

	fr_getattr(slot, fs_unique(s), nodeid);
	if (call(s, slot, &s->req, "GETATTR", 0, &rep)) {
		memcpy(&attr, rep.arg, sizeof(attr));
		result(rep.arg_len == sizeof(attr) && attr.attr.size == FILE_SIZE &&
		       attr.attr.ino == entry.attr.ino && S_ISREG(attr.attr.mode),
		       "GETATTR", "arg_len %u size %llu mode %o", rep.arg_len,
		       (unsigned long long)attr.attr.size, attr.attr.mode);
	}

	fr_open(slot, fs_unique(s), nodeid, O_RDONLY);
	if (!call(s, slot, &s->req, "OPEN", 0, &rep))
		goto forget;
	memcpy(&op, rep.arg, sizeof(op));
	fh = op.fh;
	result(rep.arg_len == sizeof(op), "OPEN", "arg_len %u", rep.arg_len);

	fr_read(slot, fs_unique(s), nodeid, fh, 8192, IO_SIZE);
	if (call(s, slot, &s->req, "READ 4 KiB", 0, &rep))
		result(rep.data_len == IO_SIZE && check_pattern(slot->data, 8192, IO_SIZE),
		       "READ 4 KiB", "got %u bytes%s", rep.data_len,
		       rep.data_len == IO_SIZE ? ", content differs" : "");

	/* Short read at end of file. */
	fr_read(slot, fs_unique(s), nodeid, fh, FILE_SIZE - 100, IO_SIZE);
	if (call(s, slot, &s->req, "READ at EOF", 0, &rep))
		result(rep.data_len == 100 && check_pattern(slot->data, FILE_SIZE - 100, 100),
		       "READ at EOF", "got %u bytes", rep.data_len);

	if (indirect) {
		const char *why = NULL;
		struct vr_used u;
		int r;

		fr_read(slot, fs_unique(s), nodeid, fh, 12345, IO_SIZE);
		r = fr_submit(slot, &s->req, true);
		if (r >= 0)
			r = vr_kick(&s->req, false);
		while (r >= 0 && (r = vr_get_used(&s->req, &u)) == 0)
			r = vr_wait(&s->req, VUC_TIMEOUT_MS);
		if (r == 1)
			r = fr_parse(slot, u.len, &rep, &why);
		result(r == 0 && rep.error == 0 && rep.data_len == IO_SIZE &&
		       check_pattern(slot->data, 12345, IO_SIZE), "READ via indirect table",
		       "r %d why %s error %d len %u", r, why ? why : "-", rep.error, rep.data_len);
	} else {
		printf("SKIP READ via indirect table: INDIRECT_DESC not negotiated\n");
	}

	fr_release(slot, fs_unique(s), nodeid, fh, O_RDONLY);
	if (call(s, slot, &s->req, "RELEASE", 0, &rep))
		result(true, "RELEASE", NULL);
forget:
	/* FORGET goes on the hiprio queue and has no reply buffers. */
	fr_forget(slot, fs_unique(s), nodeid, 1);
	{
		const char *why = NULL;
		int r = fr_call(slot, &s->hiprio, VUC_TIMEOUT_MS, &rep, &why);

		result(r == 0, "FORGET on hiprio", "%s (%s)", why ? why : "transport",
		       strerror(-r));
	}
}

static void test_create_write(struct fs_session *s, struct fr_slot *slot,
			      const char *dir)
{
	struct fr_reply rep;
	struct fuse_entry_out entry;
	struct fuse_open_out op;
	struct fuse_write_out wo;
	char path[4096];
	uint8_t back[IO_SIZE];
	int fd;

	fr_create(slot, fs_unique(s), FUSE_ROOT_ID, NEW_NAME, O_RDWR | O_CREAT | O_EXCL, 0644);
	if (!call(s, slot, &s->req, "CREATE " NEW_NAME, 0, &rep))
		return;
	memcpy(&entry, rep.arg, sizeof(entry));
	memcpy(&op, rep.arg + sizeof(entry), sizeof(op));
	result(rep.arg_len == sizeof(entry) + sizeof(op) && entry.nodeid &&
	       S_ISREG(entry.attr.mode), "CREATE " NEW_NAME, "arg_len %u", rep.arg_len);

	for (uint32_t i = 0; i < IO_SIZE; i++)
		slot->data[i] = pattern(i + 99);
	fr_write(slot, fs_unique(s), entry.nodeid, op.fh, 0, IO_SIZE);
	if (call(s, slot, &s->req, "WRITE 4 KiB", 0, &rep)) {
		memcpy(&wo, rep.arg, sizeof(wo));
		snprintf(path, sizeof(path), "%s/%s", dir, NEW_NAME);
		fd = open(path, O_RDONLY);
		bool same = fd >= 0 && pread(fd, back, IO_SIZE, 0) == IO_SIZE &&
			    check_pattern(back, 99, IO_SIZE);
		if (fd >= 0)
			close(fd);
		result(rep.arg_len == sizeof(wo) && wo.size == IO_SIZE && same,
		       "WRITE 4 KiB", "written %u, host content %s", wo.size,
		       same ? "ok" : "differs");
	}
	fr_release(slot, fs_unique(s), entry.nodeid, op.fh, O_RDWR);
	call(s, slot, &s->req, "RELEASE created", 0, &rep);

	fr_unlink(slot, fs_unique(s), FUSE_ROOT_ID, NEW_NAME);
	if (call(s, slot, &s->req, "UNLINK", 0, &rep))
		result(access(path, F_OK) < 0 && errno == ENOENT, "UNLINK",
		       "file still on the host");
	/* ENOENT, or (with entry caching) a negative entry: nodeid 0. */
	fr_lookup(slot, fs_unique(s), FUSE_ROOT_ID, NEW_NAME);
	const char *why = NULL;
	if (fr_call(slot, &s->req, VUC_TIMEOUT_MS, &rep, &why) < 0) {
		result(false, "LOOKUP after UNLINK", "%s", why ? why : "transport");
	} else {
		struct fuse_entry_out neg;
		bool negative = rep.error == 0 && rep.arg_len >= sizeof(neg) &&
				(memcpy(&neg, rep.arg, sizeof(neg)), neg.nodeid == 0);
		result(rep.error == -ENOENT || negative, "LOOKUP after UNLINK gives ENOENT",
		       "error %d, not a negative entry", rep.error);
	}
	fr_forget(slot, fs_unique(s), entry.nodeid, 1);
	fr_call(slot, &s->hiprio, VUC_TIMEOUT_MS, &rep, NULL);
}

static void test_dirs(struct fs_session *s, struct fr_slot *slot)
{
	struct fr_reply rep;
	struct fuse_entry_out entry = { 0 };
	struct fuse_open_out op;

	fr_mkdir(slot, fs_unique(s), FUSE_ROOT_ID, DIR_NAME, 0755);
	if (call(s, slot, &s->req, "MKDIR", 0, &rep)) {
		memcpy(&entry, rep.arg, sizeof(entry));
		result(S_ISDIR(entry.attr.mode), "MKDIR", "mode %o", entry.attr.mode);
	}

	fr_opendir(slot, fs_unique(s), FUSE_ROOT_ID);
	if (call(s, slot, &s->req, "OPENDIR", 0, &rep)) {
		memcpy(&op, rep.arg, sizeof(op));
		fr_readdir(slot, fs_unique(s), FUSE_ROOT_ID, op.fh, 0, IO_SIZE);
		if (call(s, slot, &s->req, "READDIR", 0, &rep))
			result(dirents_have(slot->data, rep.data_len, FILE_NAME) &&
			       dirents_have(slot->data, rep.data_len, DIR_NAME),
			       "READDIR", "%u bytes, " FILE_NAME " or " DIR_NAME " missing",
			       rep.data_len);
		fr_releasedir(slot, fs_unique(s), FUSE_ROOT_ID, op.fh);
		if (call(s, slot, &s->req, "RELEASEDIR", 0, &rep))
			result(true, "RELEASEDIR", NULL);
	}

	/* Like the kernel, keep the directory's lookup until after RMDIR (some
	 * servers refuse to remove a name they have no inode for). */
	fr_rmdir(slot, fs_unique(s), FUSE_ROOT_ID, DIR_NAME);
	if (call(s, slot, &s->req, "RMDIR", 0, &rep))
		result(true, "RMDIR", NULL);
	if (entry.nodeid) {
		fr_forget(slot, fs_unique(s), entry.nodeid, 1);
		fr_call(slot, &s->hiprio, VUC_TIMEOUT_MS, &rep, NULL);
	}
}

int main(int argc, char **argv)
{
	struct fs_options o = { .event_idx = true, .indirect = true };
	struct fs_session s;
	struct fr_slot slot;
	const char *step = NULL, *why = NULL;
	unsigned base = 0;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SOCKET SHARED_DIR\n", argv[0]);
		return 2;
	}
	if (getenv("SMOKE_NO_EVENT_IDX"))
		o.event_idx = false;
	o.verbose = getenv("SMOKE_VERBOSE") != NULL;
	if (write_host_file(argv[2]) < 0)
		return 2;

	r = fs_open(&s, argv[1], &o, &step);
	result(r == 0, "vhost-user setup", "%s: %s", step, strerror(-r));
	if (r < 0)
		return 1;
	printf("INFO features %#llx protocol %#llx\n",
	       (unsigned long long)s.c.features, (unsigned long long)s.c.protocol_features);
	if (fr_slot_init(&slot, &s.c, 64 * 1024) < 0) {
		result(false, "slot allocation", "out of guest memory");
		return 1;
	}

	r = fs_fuse_init(&s, &slot, FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_MAX_PAGES, 0, &why);
	result(r == 0 && s.init.major == 7 && s.init.minor >= 31, "FUSE_INIT",
	       "r %d (%s) major %u minor %u", r, why ? why : strerror(-r),
	       s.init.major, s.init.minor);
	if (r < 0) {
		fs_close(&s);
		return 1;
	}
	printf("INFO server FUSE %u.%u max_write %u flags %#x\n", s.init.major,
	       s.init.minor, s.init.max_write, s.init.flags);

	test_read_file(&s, &slot);
	test_create_write(&s, &slot, argv[2]);
	test_dirs(&s, &slot);

	r = vuc_get_vring_base(&s.c, 1, &base);
	result(r == 0 && base == s.req.avail_idx, "GET_VRING_BASE queue 1",
	       "r %d base %u, we published %u", r, base, s.req.avail_idx);
	fs_close(&s);
	printf("smoke: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
